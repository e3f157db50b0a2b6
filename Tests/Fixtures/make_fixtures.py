#!/usr/bin/env python3
"""Regenerates the extraction fixtures in this folder (see README.md).

Needs only Python 3 and poppler-utils (pdftoppm renders the OCR image). The outputs are
deterministic, so running it again leaves `git status` clean.
"""
import os
import random
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def pdf_string(text):
    """A PDF literal string in WinAnsiEncoding (Latin-1 covers the Portuguese letters used here)."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def utf16_string(text):
    """A PDF text string in UTF-16BE with a byte order mark, as hex: how non-ASCII metadata is stored."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def build_pdf(pages, title, media_box=(0, 0, 595, 842), font_size=14, leading=20, top=780):
    """A minimal valid PDF: one Helvetica page per entry of `pages` (a list of lines), an Info Title.

    Objects are written in the order content streams, fonts, pages, catalog, info, so a copy
    truncated in the middle loses the page tree and the catalog, not just the last page.
    """
    objects = []  # (number, body)
    number = 0

    def add(body):
        nonlocal number
        number += 1
        objects.append((number, body))
        return number

    content_ids = []
    for lines in pages:
        ops = [b"BT", b"/F1 %d Tf" % font_size, b"%d TL" % leading, b"50 %d Td" % top]
        for line in lines:
            ops.append(pdf_string(line) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops) + b"\n"
        content_ids.append(add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream"))
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = number + len(pages) + 1
    page_ids = []
    for content in content_ids:
        page_ids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [%d %d %d %d] " % ((pages_id,) + tuple(media_box))
            + b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, content)))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids)) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    info = add(b"<< /Title " + utf16_string(title) + b" /Producer (Companin make_fixtures.py) >>")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in objects:
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (number + 1)
    out += b"0000000000 65535 f \n"
    for num in range(1, number + 1):
        out += b"%010d 00000 n \n" % offsets[num]
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (number + 1, catalog, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def main():
    # A two-page PDF, English and Portuguese, with a non-ASCII Title.
    manual = build_pdf([
        ["Companin Support Manual",
         "Our support desk is open Monday to Friday.",
         "Refunds are processed within fourteen days.",
         "Manual de atendimento: o balcão abre às nove horas.",
         "A devolução do pagamento é feita em catorze dias."],
        ["Second page: shipping",
         "Orders ship from Lisbon every afternoon.",
         "Encomendas com entrega expressa chegam amanhã.",
         "Informação adicional: ligue para o número 800 123 456."],
    ], title="Manual de Atendimento — Companin")
    write("manual.pdf", manual)
    # The first 40% of it: the header and part of the first content stream, no page tree, no xref.
    write("manual-truncated.pdf", manual[: len(manual) * 2 // 5])

    # A PNG with legible text for OCR, rendered by poppler from a small one-page PDF.
    sign = build_pdf([["Companin reads invoices", "Fatura paga em dinheiro"]],
                     title="OCR sign", media_box=(0, 0, 330, 90), font_size=22, leading=30, top=55)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "sign.pdf")
        with open(source, "wb") as f:
            f.write(sign)
        subprocess.run(["pdftoppm", "-png", "-gray", "-r", "150", "-singlefile", source,
                        os.path.join(tmp, "sign")], check=True)
        with open(os.path.join(tmp, "sign.png"), "rb") as f:
            write("ocr-sign.png", f.read())

    # A full page of text, slow to OCR (seconds): for timeouts that must catch tesseract at work.
    page_lines = [
        "Line %d: Companin stores knowledge for assistants and answers visitors." % n if n % 2 else
        "Linha %d: o atendimento responde às perguntas dos clientes." % n
        for n in range(1, 61)
    ]
    page = build_pdf([page_lines], title="OCR page", font_size=10, leading=12, top=800)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "page.pdf")
        with open(source, "wb") as f:
            f.write(page)
        subprocess.run(["pdftoppm", "-png", "-mono", "-r", "150", "-singlefile", source,
                        os.path.join(tmp, "page")], check=True)
        with open(os.path.join(tmp, "page.png"), "rb") as f:
            write("ocr-page.png", f.read())

    # A PNG whose header claims 50000x50000 pixels; the IDAT is a few zero bytes, never decoded.
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    write("huge-dimensions.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
          + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))

    # A semicolon-delimited CSV with a header and accented Portuguese text (UTF-8).
    write("clientes.csv", (
        "nome;cidade;observação;saldo\n"
        "Ana Conceição;São Paulo;Prefere atendimento à tarde;1.250,50\n"
        "João Gonçalves;Lisboa;\"Cliente desde 2019; pagamento em dia\";980,00\n"
        "Inês Araújo;Coimbra;Pediu orçamento para manutenção;0,00\n"
    ).encode("utf-8"))

    # Latin-1 text (not valid UTF-8).
    write("latin1.txt", (
        "Política de privacidade\n\n"
        "Os dados pessoais são tratados com confidencialidade.\n"
        "A informação é guardada durante o período mínimo necessário.\n"
    ).encode("latin-1"))

    # A text file named .pdf: content decides the type.
    write("text-named.pdf", b"This is a plain text note that someone saved with a .pdf name.\n")

    # A nested JSON document.
    write("customer.json", (
        '{\n'
        '  "title": "Cliente exemplar",\n'
        '  "customer": {\n'
        '    "name": "Ana Conceição",\n'
        '    "vip": true,\n'
        '    "notes": null,\n'
        '    "orders": [\n'
        '      {"id": 42, "total": 19.90, "items": ["café", "pão de queijo"]},\n'
        '      {"id": 43, "total": 7.5e1, "items": []}\n'
        '    ],\n'
        '    "address book": {"home": "Rua Augusta 1, Lisboa"}\n'
        '  }\n'
        '}\n'
    ).encode("utf-8"))

    # JSON nested 200 levels deep.
    write("deep.json", (b'{"a":' * 200) + b"1" + (b"}" * 200) + b"\n")

    # Bytes that are neither UTF-8 nor plausible Latin-1 text (control bytes throughout).
    rng = random.Random(20261124)
    write("random.bin", b"\x00\x01\x02\x03" + bytes(rng.randrange(256) for _ in range(2048)))


if __name__ == "__main__":
    main()
