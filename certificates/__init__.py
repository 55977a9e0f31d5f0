"""Reading certificate files (the `domain.ports.CertificateReader` port).

- `certificates.pdf`: the text layer of a PDF (pypdf), the first few pages only.
- `certificates.reader`: `ProcessCertificateReader`, which reads in a separate process pool
  (never on the event loop), within a time and memory limit, at most `workers` at once (the
  rest queue), and turns the text into a `domain.certificate_text.CertificateReading`.

Not yet: photos and scanned PDFs (optical character recognition on the bot's own machine,
e.g. rapidocr-onnxruntime; a scanned PDF's pages rendered with pypdfium2). Until then a photo,
or a PDF without a text layer, reads as None and the chat asks `/addcec`'s questions.
The text read is never logged.
"""
