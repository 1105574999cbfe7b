"""Attachments: multipart upload, download links, and the PDF and send calls of sales forms."""

from __future__ import annotations

import hashlib
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.faults import QBOFault, business_error, fault
from qbconnector.qbo_wire.values import RawJSON, format_datetime, loads

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company


def _parts(content_type: str, body: bytes) -> dict[str, tuple[str, bytes, dict]]:
    if "multipart/form-data" not in content_type or "boundary=" not in content_type:
        raise fault("1050", "Invalid Content Type: upload takes multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    out = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        out[str(name)] = (part.get_content_type(), payload,
                          {"filename": part.get_filename(),
                           "encoding": part.get("content-transfer-encoding", "")})
    return out


def upload(company: Company, content_type: str, body: bytes, base: str) -> dict:
    """``{"AttachableResponse":[{"Attachable"|"Fault"}]}`` for each file_metadata_NN part."""
    parts = _parts(content_type, body)
    responses = []
    for name in sorted(p for p in parts if p.startswith("file_metadata_")):
        suffix = name.rsplit("_", 1)[1]
        try:
            meta = loads(parts[name][1].decode("utf-8", "replace"))
            content = parts.get(f"file_content_{suffix}")
            if content is None:
                raise fault("2020", element=f"file_content_{suffix}",
                            name=f"file_content_{suffix}")
            ctype, data, info = content
            responses.append({"Attachable": RawJSON(
                save(company, meta, data, ctype, info.get("filename"), base).text)})
        except QBOFault as exc:
            responses.append({"Fault": exc.as_json()})
        except ValueError:
            responses.append({"Fault": fault("2010", "Property Name:file metadata is not "
                                                     "JSON specified is unsupported or "
                                                     "invalid").as_json()})
    return {"AttachableResponse": responses}


def save(company: Company, meta: Any, data: bytes, ctype: str, filename: str | None,
         base: str) -> Any:
    if not isinstance(meta, dict):
        raise fault("2010", "Property Name:Attachable must be a JSON object specified is "
                            "unsupported or invalid")
    for ref in meta.get("AttachableRef") or []:
        entity = (ref or {}).get("EntityRef") or {}
        kind, value = entity.get("type"), entity.get("value")
        if kind not in spec.API_ENTITIES or company.row(kind, str(value)) is None:
            raise business_error(f"The entity {kind} {value} that you are trying to link does "
                                 f"not exist. {kind} {value}")
    meta = dict(meta)
    meta.setdefault("FileName", filename or "attachment")
    meta.setdefault("ContentType", meta.get("ContentType") or ctype)
    meta["Size"] = len(data)
    row = company.create("Attachable", meta)
    company.store.save_upload(company.realm, row.id, meta["ContentType"], data)
    body = dict(row.body)
    body["FileAccessUri"] = f"/v3/company/{company.realm}/download/{row.id}"
    body["TempDownloadUri"] = download_url(company, row.id, base)
    return company.store.put(company.realm, "Attachable", row.id, body,
                             updated=row.updated)


def download_url(company: Company, id_: str, base: str) -> str:
    """A temporary link (15 minutes, as Intuit's S3 links) to an uploaded file."""
    row = company.row("Attachable", id_)
    if row is None or company.store.upload(company.realm, id_) is None:
        raise fault("610", element="")
    expires = int(company.clock().timestamp()) + 900
    name = re.sub(r"[^A-Za-z0-9._-]", "_", row.body.get("FileName", "file"))
    signature = hashlib.sha256(f"{company.realm}/{id_}/{expires}".encode()).hexdigest()[:32]
    return f"{base}/attachments/{company.realm}/{id_}/{name}?Expires={expires}&Signature=" \
           f"{signature}&X-Amz-Expires=900"


def pdf(company: Company, target: spec.EntitySpec, id_: str) -> bytes:
    """A one-page PDF naming the document (enough for clients that save or print it)."""
    if target.name not in ("Invoice", "SalesReceipt", "Estimate", "CreditMemo",
                           "RefundReceipt", "PurchaseOrder"):
        raise fault("500", f"Operation pdf is not supported for {target.name}.")
    body = company.read(target.name, id_).body
    text = f"{target.name} {body.get('DocNumber', id_)} total {body.get('TotalAmt', 0)}"
    text = re.sub(r"[()\\]", "", text)
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream +
               b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n" \
        .encode()
    return bytes(out)


def send(company: Company, target: spec.EntitySpec, id_: str, send_to: str | None) -> dict:
    """Mark a sales form as emailed (EmailStatus EmailSent, DeliveryInfo)."""
    if target.name not in ("Invoice", "SalesReceipt", "Estimate", "CreditMemo",
                           "RefundReceipt", "PurchaseOrder"):
        raise fault("500", f"Operation send is not supported for {target.name}.")
    row = company.read(target.name, id_)
    body = dict(row.body)
    address = send_to or (body.get("BillEmail") or {}).get("Address")
    if not address:
        raise business_error("Please provide an email address (sendTo or BillEmail).")
    body["BillEmail"] = {"Address": address}
    body["EmailStatus"] = "EmailSent"
    body["DeliveryInfo"] = {"DeliveryType": "Email",
                            "DeliveryTime": format_datetime(company.now())}
    updated = company.update(target.name, {**body, "sparse": True}, sparse=True)
    return {target.name: RawJSON(updated.text)}


