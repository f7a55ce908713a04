"""The HTTP layer: flask-smorest subclasses, problem documents, pagination, presentation."""
