/**
 * The page's HTML around the bundled script and styles: a header, the sign-in form (shown
 * when the listener asks for the token) and the place the panels go. Everything else is
 * built by the script (src/ui/client/), which fills in text with textContent only, so what
 * jobs print can never become markup.
 */
export function shell(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gaia</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header>
  <a class="brand" href="#/">gaia</a>
  <span id="summary"></span>
  <span id="live" class="pill">connecting</span>
  <button id="refresh" type="button" title="Read everything again">Refresh</button>
  <button id="signout" type="button" hidden>Sign out</button>
</header>
<div id="banner" hidden></div>
<form id="login" hidden>
  <h2>Sign in</h2>
  <p>This listener wants gaia's token: it is in the run dir's <code>token</code> file (<code>control.token_file</code>).</p>
  <label>Token <input id="token" name="token" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
  <p id="login-error" class="error"></p>
</form>
<main id="app" hidden></main>
<script type="module">${script}</script>
</body>
</html>
`;
}
