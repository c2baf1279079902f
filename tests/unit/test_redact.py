from editron.domain.redact import REDACTED, redact_text, redact_url


def test_password_in_url_is_redacted() -> None:
    out = redact_url("https://alice:hunter2@example.com/a.zip")
    assert "hunter2" not in out and "alice" not in out
    assert out == f"https://{REDACTED}@example.com/a.zip"


def test_secret_query_parameters_are_redacted_and_others_kept() -> None:
    out = redact_url("https://s3.example/a.zip?X-Amz-Signature=abc123&token=t0k&sig=s1&page=2")
    assert "abc123" not in out and "t0k" not in out and "s1" not in out
    assert "page=2" in out


def test_local_paths_and_plain_urls_unchanged() -> None:
    assert redact_url("/srv/footage") == "/srv/footage"
    assert redact_url("https://example.com/a.zip") == "https://example.com/a.zip"


def test_urls_inside_error_text_are_redacted() -> None:
    text = redact_text("download of https://u:pw@h.example/x?access_token=zz failed: 403")
    assert text is not None and "pw" not in text and "zz" not in text and "403" in text


def test_query_strings_quoted_without_a_scheme_are_redacted() -> None:
    line = '127.0.0.1:5 - "GET /api/x?token=t0k&page=2&api%5Fkey=k3y;sig=s9 HTTP/1.1" 401'
    out = redact_text(line)
    assert out is not None
    assert "t0k" not in out and "k3y" not in out and "s9" not in out
    assert "page=2" in out and out.count(REDACTED) == 3
    assert redact_text(out) == out  # idempotent
    assert redact_text("a=b, x == y, ?q=cats") == "a=b, x == y, ?q=cats"
