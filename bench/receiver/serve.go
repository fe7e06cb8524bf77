package receiver

import (
	"net"
	"net/http"
	"time"
)

// Serve answers with h on a new loopback port until the returned server is
// closed, and returns the port's base URL. Every endpoint of the benchmark
// is served this way, so the raw HTTP ceiling (package ceiling) and
// hookstream's receipts are measured against the same server.
func Serve(h http.Handler) (base string, srv *http.Server, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), srv, nil
}
