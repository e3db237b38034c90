/** The start page when the web console is not built: where things are, in Vietnamese first. */
export function landingPage(): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Liên Thông</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
code{background:#f3f3f3;padding:0 .25rem}.en{color:#666}</style></head>
<body>
<h1>Liên Thông</h1>
<p>Nền tảng kết nối, chia sẻ dữ liệu giữa các cơ quan đảng và các cơ quan, tổ chức trong hệ thống chính trị
(Quy định 384-QĐ/TW ngày 19/11/2025).<br><span class="en">Data connection and sharing platform of Regulation 384-QĐ/TW.</span></p>
<p>Bảng điều khiển chưa được dựng: chạy <code>npm run build:web</code> rồi tải lại trang.<br>
<span class="en">The web console is not built: run <code>npm run build:web</code>, then reload.</span></p>
<ul>
<li><a href="/docs">Tài liệu API</a> <span class="en">— API reference</span> (<a href="/openapi.json">OpenAPI</a>)</li>
<li>Đăng nhập: <code>POST /api/v1/auth/login</code> <span class="en">— sign in</span></li>
<li><a href="/readyz">Trạng thái</a> <span class="en">— readiness</span> · <a href="/metrics">Metrics</a></li>
</ul>
</body></html>`;
}
