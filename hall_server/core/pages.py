"""Headers of the server's own web pages (/manage, /f/{code}): each page runs only its own script, so text
that comes from elsewhere (a platform's reason, a matter's name) can never run as code."""

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
