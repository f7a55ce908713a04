"""Domain exceptions and their messages in Indonesian and English.

Services raise these; `backend.web.problems` renders them as application/problem+json (RFC 9457).
This module imports nothing from Flask so that services stay testable with a plain session.
"""

from __future__ import annotations

from typing import Any

from backend import field_messages

# code -> (title id, title en, detail id, detail en); details may use str.format fields
MESSAGES: dict[str, tuple[str, str, str, str]] = {
    "bad_request": (
        "Permintaan tidak valid",
        "Bad request",
        "Permintaan tidak dapat diproses.",
        "The request could not be processed.",
    ),
    "validation_failed": (
        "Data tidak valid",
        "Invalid data",
        "Periksa kembali isian yang ditandai.",
        "Check the fields marked in errors.",
    ),
    "unauthorized": (
        "Perlu masuk",
        "Authentication required",
        "Silakan masuk terlebih dahulu.",
        "Please log in first.",
    ),
    "invalid_token": (
        "Token tidak valid",
        "Invalid token",
        "Token tidak valid atau sudah dicabut; silakan masuk kembali.",
        "The token is invalid or has been revoked; please log in again.",
    ),
    "token_expired": (
        "Sesi berakhir",
        "Session expired",
        "Token sudah kedaluwarsa; perbarui atau masuk kembali.",
        "The token has expired; refresh it or log in again.",
    ),
    "csrf_failed": (
        "Verifikasi CSRF gagal",
        "CSRF check failed",
        "Permintaan dari peramban harus membawa header X-CSRF-TOKEN yang cocok.",
        "Browser requests must carry a matching X-CSRF-TOKEN header.",
    ),
    "invalid_credentials": (
        "Gagal masuk",
        "Login failed",
        "Surel atau kata sandi salah.",
        "Wrong e-mail or password.",
    ),
    "account_disabled": (
        "Akun nonaktif",
        "Account disabled",
        "Akun ini dinonaktifkan.",
        "This account is disabled.",
    ),
    "forbidden": (
        "Akses ditolak",
        "Forbidden",
        "Anda tidak berwenang melakukan tindakan ini.",
        "You are not allowed to do this.",
    ),
    "insufficient_scope": (
        "Cakupan tidak cukup",
        "Insufficient scope",
        "Kredensial aplikasi ini tidak mencakup izin '{scope}'.",
        "This client's credentials do not include the '{scope}' scope.",
    ),
    "not_found": (
        "Tidak ditemukan",
        "Not found",
        "Data yang diminta tidak ditemukan.",
        "The requested resource was not found.",
    ),
    "file_missing": (
        "Berkas tidak tersedia",
        "File not available",
        "Berkas lampiran ini tidak ditemukan di penyimpanan; hubungi petugas.",
        "This attachment's file is not in the store; contact the staff.",
    ),
    "storage_unavailable": (
        "Penyimpanan berkas tidak tersedia",
        "File storage unavailable",
        "Penyimpanan berkas lampiran tidak dapat dihubungi; coba lagi beberapa saat lagi.",
        "The attachments' file store cannot be reached; try again in a moment.",
    ),
    "method_not_allowed": (
        "Metode tidak diizinkan",
        "Method not allowed",
        "Metode HTTP ini tidak didukung untuk alamat ini.",
        "This HTTP method is not supported for this address.",
    ),
    "payload_too_large": (
        "Data terlalu besar",
        "Payload too large",
        "Ukuran permintaan melebihi batas {limit} bita.",
        "The request is larger than the {limit}-byte limit.",
    ),
    "uri_too_long": (
        "Alamat terlalu panjang",
        "URI too long",
        "Baris permintaan (metode dan alamat) melebihi 4.094 bita.",
        "The request line (method and address) is longer than 4,094 bytes.",
    ),
    "headers_too_large": (
        "Header terlalu besar",
        "Request header fields too large",
        "Permintaan memuat lebih dari 100 header atau header lebih dari 8.190 bita.",
        "The request has more than 100 header fields or one longer than 8,190 bytes.",
    ),
    "not_implemented": (
        "Tidak didukung",
        "Not implemented",
        "Server tidak mendukung pengodean transfer permintaan ini.",
        "The server does not support this request's transfer coding.",
    ),
    "expectation_failed": (
        "Harapan tidak dapat dipenuhi",
        "Expectation failed",
        "Nilai header Expect tidak didukung.",
        "The Expect header's value is not supported.",
    ),
    "json_too_deep": (
        "JSON terlalu dalam bersarang",
        "JSON nested too deeply",
        "Badan permintaan bersarang lebih dari {limit} tingkat.",
        "The request body is nested more than {limit} levels deep.",
    ),
    "json_number_too_long": (
        "Angka terlalu panjang",
        "Number too long",
        "Badan permintaan memuat angka lebih dari {limit} digit.",
        "The request body holds a number of more than {limit} digits.",
    ),
    "image_too_large": (
        "Gambar terlalu besar",
        "Image too large",
        "Gambar berukuran {pixels} piksel; batasnya {limit} piksel. Perkecil gambar lalu kirim "
        "lagi.",
        "The image has {pixels} pixels; the limit is {limit}. Make it smaller and send it again.",
    ),
    "unsupported_media_type": (
        "Jenis berkas tidak didukung",
        "Unsupported media type",
        "Jenis berkas tidak diizinkan. Yang diizinkan: {allowed}.",
        "This file type is not allowed. Allowed: {allowed}.",
    ),
    "conflict": (
        "Konflik",
        "Conflict",
        "Permintaan bertentangan dengan keadaan data saat ini.",
        "The request conflicts with the current state.",
    ),
    "concurrent_change": (
        "Diubah bersamaan",
        "Changed concurrently",
        "Data ini diubah oleh permintaan lain pada saat yang sama; tidak ada yang berubah. "
        "Muat ulang lalu coba lagi.",
        "Another request changed this at the same time; nothing was changed. Reload and try again.",
    ),
    "email_taken": (
        "Surel sudah terdaftar",
        "E-mail already registered",
        "Alamat surel ini sudah dipakai akun lain.",
        "This e-mail address is already used by another account.",
    ),
    "invalid_transition": (
        "Tindakan tidak diizinkan",
        "Action not allowed",
        "Tindakan '{action}' tidak dapat dilakukan pada pengaduan berstatus '{status}'.",
        "The action '{action}' cannot be taken on a complaint with status '{status}'.",
    ),
    "reason_required": (
        "Alasan wajib diisi",
        "Reason required",
        "Tindakan '{action}' memerlukan alasan.",
        "The action '{action}' needs a reason.",
    ),
    "nothing_to_postpone": (
        "Tidak ada tenggat yang dapat ditunda",
        "Nothing to postpone",
        "Tidak ada tenggat instansi (tanggapan atau keputusan) yang sedang berjalan.",
        "No deadline of the institution (response or decision) is running.",
    ),
    "already_postponed": (
        "Sudah ditunda",
        "Already postponed",
        "Penanganan pengaduan ini sudah ditunda; lanjutkan dulu sebelum menunda lagi.",
        "This complaint is already postponed; resume it before postponing again.",
    ),
    "deadline_passed": (
        "Tenggat sudah terlewati",
        "Deadline already passed",
        "Tenggat {due} sudah terlewati; tenggat yang terlambat tidak dapat ditunda.",
        "The deadline of {due} has passed; a missed deadline cannot be postponed.",
    ),
    "nothing_to_resume": (
        "Tidak ada yang ditunda",
        "Nothing to resume",
        "Tidak ada tenggat yang sedang ditunda pada pengaduan ini.",
        "No deadline of this complaint is postponed.",
    ),
    "dispute_window_open": (
        "Masa sanggah belum berakhir",
        "Dispute window still open",
        "Pelapor masih dapat menyanggah keputusan sampai akhir {until}; petugas dapat menutup "
        "pengaduan setelah itu, atau pelapor dapat menerimanya lebih dulu.",
        "The complainant may dispute the decision until the end of {until}; staff may close the "
        "complaint after that, or the complainant may accept it sooner.",
    ),
    "dispute_window_closed": (
        "Masa sanggah sudah berakhir",
        "Dispute window closed",
        "Masa sanggah keputusan berakhir pada akhir {until}; keputusan tidak dapat disanggah lagi.",
        "The window to dispute the decision ended at the end of {until}; it can no longer be "
        "disputed.",
    ),
    "own_access": (
        "Akun sendiri tidak dapat diubah begini",
        "Cannot change your own access",
        "Anda tidak dapat menonaktifkan atau mengganti peran akun Anda sendiri; minta admin lain "
        "melakukannya.",
        "You cannot deactivate your own account or change its role; ask another admin to.",
    ),
    "survey_not_open": (
        "Survei belum dibuka",
        "Survey not open",
        "Survei kepuasan dapat diisi setelah pengaduan selesai (ditutup).",
        "The satisfaction survey opens once the complaint is closed.",
    ),
    "survey_already_answered": (
        "Survei sudah diisi",
        "Survey already answered",
        "Survei untuk pengaduan ini sudah diisi; setiap pengaduan hanya dapat dinilai sekali. "
        "Terima kasih.",
        "The survey of this complaint has already been answered; each complaint is rated once. "
        "Thank you.",
    ),
    "survey_link_invalid": (
        "Tautan survei tidak berlaku",
        "Survey link not valid",
        "Tautan survei ini tidak dikenal. Isi survei di halaman lacak dengan kode dan PIN Anda.",
        "This survey link is not known. Answer the survey on the tracking page with your code "
        "and PIN.",
    ),
    "data_request_pending": (
        "Permintaan masih diproses",
        "Request still pending",
        "Permintaan jenis ini untuk pengaduan ini masih menunggu jawaban (paling lambat 3 x 24 "
        "jam); tunggu jawabannya sebelum mengajukan lagi.",
        "A request of this kind for this complaint is still waiting for its answer (within 3 x "
        "24 hours); wait for it before asking again.",
    ),
    "data_request_answered": (
        "Permintaan sudah dijawab",
        "Request already answered",
        "Permintaan data pribadi ini sudah dijawab; jawabannya tidak dapat diubah.",
        "This personal-data request has already been answered; its answer cannot be changed.",
    ),
    "idempotency_mismatch": (
        "Kunci idempotensi dipakai ulang",
        "Idempotency key reused",
        "Kunci Idempotency-Key ini sudah dipakai untuk isi permintaan yang berbeda.",
        "This Idempotency-Key was already used with a different request body.",
    ),
    "idempotency_expired": (
        "Kunci idempotensi kedaluwarsa",
        "Idempotency key expired",
        "Tanda terima untuk Idempotency-Key ini hanya disimpan 24 jam; kirim pengaduan baru "
        "dengan kunci baru jika memang belum terkirim.",
        "The receipt of this Idempotency-Key is kept for 24 hours only; send a new complaint with "
        "a new key if it was really not filed.",
    ),
    "privacy_loosening": (
        "Privasi tidak dapat dilonggarkan",
        "Privacy cannot be loosened",
        "Petugas hanya dapat memperketat privasi pengaduan, bukan melonggarkannya.",
        "Staff may only make a complaint's privacy stricter, never looser.",
    ),
    "stale_etag": (
        "Data sudah berubah",
        "Precondition failed",
        "Pengaduan telah diubah oleh orang lain; muat ulang lalu coba lagi.",
        "The complaint was changed by someone else; reload and try again.",
    ),
    "if_match_required": (
        "Header If-Match wajib",
        "If-Match required",
        "Sertakan header If-Match dengan ETag terakhir pengaduan.",
        "Send an If-Match header with the complaint's latest ETag.",
    ),
    "tracking_failed": (
        "Kode atau PIN salah",
        "Wrong code or PIN",
        "Kode pelacakan atau PIN tidak cocok.",
        "The tracking code or PIN does not match.",
    ),
    "tracking_locked": (
        "Terlalu banyak percobaan",
        "Too many attempts",
        "PIN salah terlalu sering. Coba lagi setelah {minutes} menit.",
        "Too many wrong PINs. Try again in {minutes} minutes.",
    ),
    "too_many_requests": (
        "Terlalu banyak permintaan",
        "Too many requests",
        "Batas permintaan terlampaui; coba lagi nanti.",
        "Rate limit exceeded; try again later.",
    ),
    "calendar_horizon": (
        "Di luar jangkauan kalender",
        "Outside the calendar",
        "{detail}",
        "{detail}",
    ),
    "internal_error": (
        "Kesalahan server",
        "Server error",
        "Terjadi kesalahan pada server; tidak ada data yang berubah.",
        "A server error occurred; nothing was changed.",
    ),
    "service_unavailable": (
        "Layanan tidak tersedia",
        "Service unavailable",
        "Basis data tidak dapat dihubungi.",
        "The database cannot be reached.",
    ),
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "stale_etag",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    417: "expectation_failed",
    422: "validation_failed",
    428: "if_match_required",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "service_unavailable",
}


def message(code: str, lang: str, **params: Any) -> tuple[str, str]:
    """The (title, detail) of a problem code in `lang` ("id" or "en")."""
    title_id, title_en, detail_id, detail_en = MESSAGES.get(code, MESSAGES["bad_request"])
    title, detail = (title_en, detail_en) if lang == "en" else (title_id, detail_id)
    try:
        return title, detail.format(**params)
    except (KeyError, IndexError):
        return title, detail


class DomainError(Exception):
    """A rule of the domain was not met; carries the HTTP status and a message code."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.code
        self.errors = errors
        self.headers = headers or {}
        self.params = params
        super().__init__(self.code)


class ValidationFailed(DomainError):
    """Input was well-formed but breaks a rule (field errors in `errors`).

    `fields` says why each field was refused, as a key of `backend.field_messages` and its
    parameters; from it come `messages` (each field's message in id and en) and, unless given,
    `errors` (the English message, nested by the field's path as marshmallow nests them).
    """

    status = 422
    code = "validation_failed"

    def __init__(
        self,
        code: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        fields: dict[str, tuple[str, dict[str, Any]]] | None = None,
        **params: Any,
    ) -> None:
        self.messages = {
            path: field_messages.localized(key, path, **values)
            for path, (key, values) in (fields or {}).items()
        }
        if errors is None and self.messages:
            errors = {}
            for path, message in self.messages.items():
                *parents, name = path.split(".")
                place = errors
                for parent in parents:
                    place = place.setdefault(parent, {})
                place[name] = [message["en"]]
        super().__init__(code, errors=errors, **params)


def invalid(path: str, key: str, /, code: str | None = None, **params: Any) -> ValidationFailed:
    """The field at `path` (dotted) is refused for the reason `key` of `backend.field_messages`
    (with its parameters); `code` names the problem when it is more than "validation_failed"."""
    return ValidationFailed(code, fields={path: (key, params)})


class Unauthorized(DomainError):
    """No valid identity."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """The identity may not take this action on this object."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """No such object, or none the caller may know of."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action conflicts with the current state."""

    status = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    """If-Match named a version that is no longer current."""

    status = 412
    code = "stale_etag"


class PreconditionRequired(DomainError):
    """A state change was sent without If-Match."""

    status = 428
    code = "if_match_required"


class TooManyAttempts(DomainError):
    """Locked out after repeated failures."""

    status = 429
    code = "tracking_locked"


class UnsupportedMediaType(DomainError):
    """An upload's content is not an allowed type."""

    status = 415
    code = "unsupported_media_type"


class StorageUnavailable(DomainError):
    """The evidence store cannot be reached."""

    status = 503
    code = "storage_unavailable"


class PayloadTooLarge(DomainError):
    """An upload exceeds its size limit."""

    status = 413
    code = "payload_too_large"
