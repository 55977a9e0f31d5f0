"""Reading certificate files (the `domain.ports.CertificateReader` port).

- `certificates.pdf`: the text layer of a PDF (pypdf), the first few pages only.
- `certificates.reader`: `ProcessCertificateReader`, which reads in a separate process pool
  (never on the event loop), within a time and memory limit, at most `workers` at once (the
  rest queue), and turns the text into a `domain.certificate_text.CertificateReading`.

- `certificates.ocr`: the printed text of a photo (JPEG, PNG) or of a scanned PDF (no text
  layer, its first 2 pages rendered with pypdfium2) by optical character recognition on the
  bot's own machine (rapidocr-onnxruntime, its models inside the wheel).
The text read is never logged.
"""
