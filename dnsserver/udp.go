package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"net"

	"golang.org/x/net/ipv4"
)

// udpSocket is one of the UDP sockets sharing the server's address. One
// goroutine reads it and answers in line: no goroutine and no allocation
// per query on the fast path.
type udpSocket struct {
	srv   *Server
	conn  *net.UDPConn
	st    stats
	cache answerCache
}

// listenUDP opens cfg.reusePort() sockets on the address where the system
// spreads queries over them (Linux's SO_REUSEPORT), one elsewhere.
func (s *Server) listenUDP() error {
	lc := net.ListenConfig{Control: socketOptions}
	addr := s.cfg.addr()
	for range socketsPerAddr(s.cfg.reusePort()) {
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			s.closeUDP()
			return fmt.Errorf("dns server: listen udp %s: %w", addr, err)
		}
		u := &udpSocket{srv: s, conn: pc.(*net.UDPConn)}
		s.udp = append(s.udp, u)
		addr = u.conn.LocalAddr().String() // port 0: the others take the same port
	}
	return nil
}

// socketBuffer is the receive and send buffer asked for each UDP socket,
// so that a burst of queries waits in the kernel while the reading
// goroutine is off the CPU instead of being lost.
const socketBuffer = 4 << 20

// batchSize is how many datagrams one recvmmsg/sendmmsg call moves at most.
// Under load the kernel queue holds many queries and one system call takes
// them all; when idle a call returns the one that is there.
const batchSize = 32

// maxQuery is the largest query read; longer ones arrive truncated
// (MSG_TRUNC) and are dropped. Queries are a question and an OPT record,
// far below it.
const maxQuery = 4096

// batchConn is ipv4.PacketConn or ipv6.PacketConn (their Message is the
// same type).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// serve reads and answers queries until the socket is closed, a batch at a
// time.
func (u *udpSocket) serve() {
	pc := newBatchConn(u.conn)
	if u.srv.cfg.singleUDP {
		pc = singleConn{u.conn}
	}
	in, out := newBatch(maxQuery), newBatch(512)
	key := make([]byte, 0, 260)
	for {
		n, err := pc.ReadBatch(in, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		k := u.answerBatch(in[:n], out, key)
		for off := 0; off < k; {
			m, err := pc.WriteBatch(out[off:k], 0)
			if err != nil {
				break // the kernel dropped them; UDP clients retry
			}
			off += m
		}
	}
}

// newBatch returns batchSize messages with one buffer each.
func newBatch(size int) []ipv4.Message {
	ms := make([]ipv4.Message, batchSize)
	for i := range ms {
		ms[i].Buffers = [][]byte{make([]byte, size)}
	}
	return ms
}

// answerBatch answers the queries in in, putting the responses into out;
// it returns how many there are.
func (u *udpSocket) answerBatch(in, out []ipv4.Message, key []byte) int {
	k := 0
	for i := range in {
		if in[i].Flags&(msgTrunc|singleTrunc) != 0 {
			u.st.malformed.Add(1)
			continue
		}
		buf := out[k].Buffers[0]
		resp := u.handle(in[i].Buffers[0][:in[i].N], buf[:0], key)
		if resp == nil {
			continue
		}
		out[k].Buffers[0], out[k].Addr = resp, in[i].Addr
		k++
	}
	return k
}

// handle returns the response to one packet, or nil to drop it.
func (u *udpSocket) handle(q, out, key []byte) []byte {
	snap := u.srv.snap.Load()
	if resp, qtype, rcode, ok := snap.serveFast(q, out, key, &u.cache); ok {
		u.st.count(qtype, int(rcode))
		return resp
	}
	return u.srv.slowPath(snap, q, out, &u.st, 0)
}
