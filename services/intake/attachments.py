"""What an attachment (附件) may be: the allow-list of kinds, each checked by its file name's extension, the
type the browser declared and the file's own leading bytes (magic), the name's length and the size.

These limits are local settings, not rules of a jurisdiction's text (basis: local_setting): they keep
the library's documents readable by every office (PDF, images, Office, OFD 版式文件) and a request small.
A refusal is a 422 (413 for the size) problem whose `errors` name the field, as validation ones do."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.errors import Problem

NAME_MAX = 200  # characters of the file name, extension included
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File (.doc, .xls)
OCTET = "application/octet-stream"  # what a browser declares for a type it does not know (.ofd, often)


def _zip_with(member: str) -> Callable[[bytes], bool]:
    def sniff(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:  # reads the central directory only
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return any(name == member or name.endswith("/" + member) for name in names)

    return sniff


def _starts(magic: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(magic)


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    content_type: str  # what is stored and served
    declared: frozenset[str]  # what the browser may declare for it
    sniff: Callable[[bytes], bool]
    inline: bool  # the browser previews it (served inline)


def _kind(
    exts: tuple[str, ...],
    content_type: str,
    sniff: Callable[[bytes], bool],
    *,
    also: tuple[str, ...] = (),
    inline: bool = False,
) -> Kind:
    return Kind(exts, content_type, frozenset({content_type, OCTET, *also}), sniff, inline)


KINDS: tuple[Kind, ...] = (
    _kind(("pdf",), "application/pdf", _starts(b"%PDF-"), inline=True),
    _kind(("png",), "image/png", _starts(b"\x89PNG\r\n\x1a\n"), inline=True),
    _kind(("jpg", "jpeg"), "image/jpeg", _starts(b"\xff\xd8\xff"), also=("image/pjpeg",), inline=True),
    _kind(
        ("docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_with("word/document.xml"),
        also=("application/zip",),
    ),
    _kind(
        ("xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _zip_with("xl/workbook.xml"),
        also=("application/zip",),
    ),
    _kind(("doc",), "application/msword", _starts(OLE)),
    _kind(("xls",), "application/vnd.ms-excel", _starts(OLE)),
    _kind(("ofd",), "application/ofd", _zip_with("OFD.xml"), also=("application/zip",)),
)
BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
BY_CONTENT_TYPE = {kind.content_type: kind for kind in KINDS}
ALLOWED_EXTENSIONS = tuple(BY_EXTENSION)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refused(field: str, rule: str, zh: str, en: str, *, status: int = 422, **extensions: Any) -> Problem:
    return Problem(
        status,
        "invalid-attachment",
        "附件不符合要求 / The attachment is not accepted",
        f"{zh} / {en}",
        errors=[{"field": field, "type": rule, "rule": rule, "message": zh, "message_en": en}],
        basis="local_setting",
        **extensions,
    )


def clean_name(raw: str | None) -> str:
    """The file's own name (a path's last part), or a refusal naming `file.name`."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise refused("file.name", "attachment.name", "缺少文件名", "the file has no name")
    if _CONTROL.search(name):
        raise refused("file.name", "attachment.name", "文件名含有控制字符", "the file name has control characters")
    if len(name) > NAME_MAX:
        raise refused(
            "file.name",
            "attachment.name_length",
            f"文件名过长（{len(name)} 个字符，最多 {NAME_MAX} 个）",
            f"the file name has {len(name)} characters, at most {NAME_MAX}",
            limit=NAME_MAX,
        )
    return name


def kind_of(name: str, declared: str | None, data: bytes) -> Kind:
    """The allowed kind the file is, by its extension, its declared type and its bytes — all three agree."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = BY_EXTENSION.get(extension)
    allowed = "、".join(ALLOWED_EXTENSIONS)
    if kind is None:
        raise refused(
            "file.name",
            "attachment.type",
            f"不支持的文件类型（.{extension or '无扩展名'}），仅支持：{allowed}",
            f"file type '.{extension}' is not accepted; allowed: {', '.join(ALLOWED_EXTENSIONS)}",
            allowed=list(ALLOWED_EXTENSIONS),
        )
    declared_type = (declared or OCTET).split(";", 1)[0].strip().lower()
    if declared_type not in kind.declared:
        raise refused(
            "file.content_type",
            "attachment.type",
            f"声明的文件类型（{declared_type}）与扩展名 .{extension} 不符",
            f"the declared type {declared_type} does not match .{extension}",
        )
    if not kind.sniff(data):
        raise refused(
            "file",
            "attachment.content",
            f"文件内容不是有效的 .{extension} 文件",
            f"the file's content is not a .{extension} file",
        )
    return kind


def disposition(name: str, inline: bool) -> str:
    """`Content-Disposition` with the UTF-8 name (RFC 6266/5987) and an ASCII fallback."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def content_policy(content_type: str) -> str:
    """The `Content-Security-Policy` a served file carries: nothing fetched, nothing run (no sandbox for a
    PDF, which the browser's viewer will not open sandboxed)."""
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return policy if content_type == "application/pdf" else f"sandbox; {policy}"
