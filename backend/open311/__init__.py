"""Open311 GeoReport v2 under /open311/v2: Aduan's categories as services and its public
complaints as service requests, mapped onto the complaints domain (intake, the public list)."""
