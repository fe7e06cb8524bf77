package fakebroker

import (
	"net"
	"sync"
	"time"
)

// hold bounds how long a connection whose client went hides that from
// kfake: longer than any rebalance a request could wait through.
const hold = 10 * time.Minute

func (g *guard) listen(listen ListenFunc) ListenFunc {
	return func(network, address string) (net.Listener, error) {
		ln, err := listen(network, address)
		if err != nil {
			return nil, err
		}
		return &listener{Listener: ln, g: g}, nil
	}
}

type listener struct {
	net.Listener
	g *guard
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, gone: make(chan struct{}), closed: make(chan struct{})}, nil
}

func (l *listener) Close() error {
	l.g.closeOnce.Do(func() { close(l.g.closed) })
	return l.Listener.Close()
}

// conn hides that its client went until kfake writes to it or closes it:
// kfake starts a member's session timer only when the JoinGroup answer can
// be queued, which it cannot once the connection's reader ended. The socket
// itself is closed at once.
type conn struct {
	net.Conn
	goneOnce, closeOnce sync.Once
	gone, closed        chan struct{}
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.goneOnce.Do(func() {
			close(c.gone)
			_ = c.Conn.Close()
		})
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-c.closed:
		case <-t.C:
		}
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	select {
	case <-c.gone:
		// kfake then closes the connection, which ends the Read above.
		return 0, net.ErrClosed
	default:
		return c.Conn.Write(p)
	}
}

func (c *conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
