# A real HTTPS server for the tests (nginx from Debian, a test CA): source
# it, then `https_up DIR` serves DIR/www on https://localhost:$PORT with
# DIR/ca.crt as the CA to trust; `https_down DIR` stops it.  Needs
# free_port (tests/integration/lib.sh).
https_up() {
	local d=$1
	mkdir -p "$d/www" "$d/nginx"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
	    -subj "/CN=ROLIE test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/server.key" -out "$d/server.csr" \
	    -subj "/CN=localhost" 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
	    > "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 2 \
	    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
	chmod 644 "$d/server.key"
	PORT=$(free_port)
	cat > "$d/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $d/nginx/nginx.pid;
error_log $d/nginx/error.log;
$( [ "$(id -u)" = 0 ] && echo "user nobody nogroup;" )
events { worker_connections 64; }
http {
  access_log $d/nginx/access.log;
  client_body_temp_path $d/nginx/body;
  proxy_temp_path $d/nginx/proxy;
  fastcgi_temp_path $d/nginx/fastcgi;
  uwsgi_temp_path $d/nginx/uwsgi;
  scgi_temp_path $d/nginx/scgi;
  types { application/atom+xml xml; application/atomsvc+xml svc; }
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $d/server.crt;
    ssl_certificate_key $d/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $d/www;
  }
}
NGINX
	nginx -c "$d/nginx/nginx.conf" -p "$d/nginx" 2>"$d/nginx/start.err" ||
	    { cat "$d/nginx/start.err"; return 1; }
}
https_down() {
	[ -f "$1/nginx/nginx.pid" ] && kill "$(cat "$1/nginx/nginx.pid")" 2>/dev/null
	return 0
}
