"""The sign-in page: plain server-rendered HTML, so it works before any Dash script loads."""
from __future__ import annotations

from markupsafe import Markup, escape

from components.ids import Login

PRODUCT_NAME = "Ontario T-D Coordination Platform"
PRODUCT_SHORT_NAME = "T-D Platform"
PRODUCT_TAGLINE = "IESO · LDCs · DER aggregators — one shared view of distributed energy resources"

_TEMPLATE = """<!DOCTYPE html>
<html lang="en" data-bs-theme="dark">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · {product}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/vendor/bootstrap-icons/bootstrap-icons.min.css">
<link rel="stylesheet" href="/assets/theme/00-theme.css">
</head>
<body class="login-body">
<main class="login-card card shadow-lg">
  <div class="card-body p-4 p-md-5">
    <div class="d-flex align-items-center gap-3 mb-4">
      <i class="bi bi-lightning-charge-fill login-logo" aria-hidden="true"></i>
      <div>
        <h1 class="h4 mb-0">{product}</h1>
        <div class="text-body-secondary small">{tagline}</div>
      </div>
    </div>
    {message}
    <form method="post" action="/login" autocomplete="on" novalidate>
      <input type="hidden" name="csrf_token" value="{csrf}">
      <input type="hidden" name="next" value="{next}">
      <div class="mb-3">
        <label class="form-label" for="{id_user}">Username</label>
        <input class="form-control form-control-lg" id="{id_user}" name="username" value="{username}"
               autocomplete="username" required autofocus>
      </div>
      <div class="mb-4">
        <label class="form-label" for="{id_password}">Password</label>
        <input class="form-control form-control-lg" id="{id_password}" name="password" type="password"
               autocomplete="current-password" required>
      </div>
      <button class="btn btn-primary btn-lg w-100" id="{id_submit}" type="submit">Sign in</button>
    </form>
    <div class="text-center mt-3">
      <a class="link-secondary" id="{id_guest}" href="/guest">
        <i class="bi bi-map"></i> View the public map as guest</a>
    </div>
    {demo}
  </div>
</main>
</body>
</html>"""


def render_login(
    *, csrf: str, next_url: str = "", username: str = "", error: str | None = None,
    demo_users: list[tuple[str, str]] | None = None, demo_password: str | None = None,
) -> str:
    message = (
        Markup('<div class="alert alert-danger py-2" role="alert"><i class="bi bi-exclamation-octagon"></i> {}</div>')
        .format(error) if error else ""
    )
    demo = ""
    if demo_users:
        rows = Markup("").join(
            Markup("<tr><td><code>{}</code></td><td>{}</td></tr>").format(name, label) for name, label in demo_users
        )
        hint = Markup(" (password <code>{}</code>)").format(demo_password) if demo_password == "demo" else ""
        demo = Markup(
            '<details class="mt-4 small"><summary class="text-body-secondary">Demo accounts{}</summary>'
            '<table class="table table-sm mt-2 mb-0">{}</table></details>'
        ).format(hint, rows)
    return _TEMPLATE.format(
        product=escape(PRODUCT_NAME), tagline=escape(PRODUCT_TAGLINE), message=message,
        csrf=escape(csrf), next=escape(next_url), username=escape(username), demo=demo,
        id_user=Login.USERNAME, id_password=Login.PASSWORD, id_submit=Login.SUBMIT, id_guest=Login.GUEST,
    )
