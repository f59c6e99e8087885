package registrar

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// sweepEvery is how often a running registrar looks for lapsed bindings;
// lookups expire them too, so it only makes EventExpired timely.
const sweepEvery = time.Second

// run is one Start..Stop of a registrar: a sipgo user agent and server and
// the sockets they serve. Each Start builds a new one.
type run struct {
	r     *Registrar
	ua    *sipgo.UserAgent
	srv   *sipgo.Server
	udp   []net.PacketConn
	tcp   []*tcpListener // nil while FaultRefuseTCP
	addrs []Listen       // bound addresses, ports resolved
	stop  chan struct{}
	wg    sync.WaitGroup
}

// Start binds every Config.Listen address and serves in the background
// until Stop. It fails, with nothing left open, when one address cannot
// be bound.
func (r *Registrar) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.run != nil {
		return ErrRunning
	}
	if len(r.cfg.Listen) == 0 {
		return errors.New("start registrar: no listen address")
	}
	rn, err := r.newRun()
	if err != nil {
		return fmt.Errorf("start registrar: %w", err)
	}
	for _, l := range r.cfg.Listen {
		if err := rn.listen(l); err != nil {
			rn.close()
			return fmt.Errorf("start registrar on %s: %w", l, err)
		}
	}
	if r.Fault().Kind == FaultRefuseTCP {
		rn.closeTCP()
	}
	rn.wg.Add(1)
	go rn.sweep()
	r.run = rn
	r.log.Info("started", "listen", fmt.Sprint(rn.addrs))
	return nil
}

// Stop closes every socket, so UDP datagrams meet ICMP port unreachable
// and TCP connects are refused, and stops the sipgo stack. Bindings stay.
func (r *Registrar) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.run == nil {
		return ErrStopped
	}
	err := r.run.close()
	r.run = nil
	r.log.Info("stopped")
	return err
}

// Addrs returns the bound addresses of a running registrar, with the ports
// picked for port 0; nil when stopped.
func (r *Registrar) Addrs() []Listen {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.run == nil {
		return nil
	}
	return append([]Listen(nil), r.run.addrs...)
}

// newRun builds the sipgo user agent and server, with the registrar's
// logger (sipgo's default logger, a global, is never used) and its read
// filter. sipgo's transaction timers are package globals (sip.T1...);
// the registrar leaves them at their RFC 3261 defaults.
func (r *Registrar) newRun() (*run, error) {
	sl := r.cfg.logger().With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(r.cfg.userAgent()),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sl), sip.WithTransactionLayerUnhandledResponseHandler(r.unhandledResponse)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sl), sip.WithTransportLayerReadFilter(r.readFilter)),
	)
	if err != nil {
		return nil, fmt.Errorf("sipgo user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sl))
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("sipgo server: %w", err)
	}
	srv.OnRegister(r.serve)
	srv.OnOptions(r.serve)
	srv.OnNoRoute(r.serve)
	return &run{r: r, ua: ua, srv: srv, stop: make(chan struct{})}, nil
}

// serve is the sipgo handler of every request.
func (r *Registrar) serve(req *sip.Request, tx sip.ServerTransaction) {
	source := strings.ToLower(req.Transport()) + ":" + req.Source()
	res := r.respond(req, source)
	if res == nil {
		return
	}
	if err := tx.Respond(res); err != nil {
		r.log.Warn("send response", "to", source, "status", res.StatusCode, "error", err)
	}
}

// readFilter sees every read before sipgo parses it. It drops everything
// while FaultSilent, and drops malformed UDP datagrams with a logged
// reason. TCP reads are stream pieces, not messages: sipgo closes a TCP
// connection on a framing error and answers 400 to a request without Via
// or CSeq; respond drops the other malformed TCP requests.
func (r *Registrar) readFilter(p sip.TransportReadProps, data []byte) ([]byte, error) {
	source := strings.ToLower(p.Transport) + ":" + p.RemoteAddr.String()
	if r.Fault().Kind == FaultSilent {
		r.drop(methodOf(data), source, "fault: silent", false)
		return nil, nil
	}
	if strings.EqualFold(p.Transport, "udp") {
		if err := checkDatagram(r.parser, data); err != nil {
			r.drop(methodOf(data), source, "malformed: "+err.Error(), true)
			return nil, nil
		}
	}
	return data, nil
}

// unhandledResponse drops a response that reached the transaction layer:
// over TCP, which the read filter does not parse (over UDP it drops them
// first). Without this handler sipgo would log it to its global logger.
func (r *Registrar) unhandledResponse(res *sip.Response) {
	source := strings.ToLower(res.Transport()) + ":" + res.Source()
	r.drop("", source, "malformed: a response, and the registrar sends no requests", true)
}

// methodOf returns the method of the request line in data, if it looks like one.
func methodOf(data []byte) string {
	line, _, _ := strings.Cut(string(data[:min(len(data), 64)]), " ")
	for _, c := range line {
		if c < 'A' || c > 'Z' {
			return ""
		}
	}
	return line
}

// listen binds one address and serves it.
func (rn *run) listen(l Listen) error {
	switch l.Network {
	case "udp":
		pc, err := net.ListenPacket("udp", l.Addr)
		if err != nil {
			return err
		}
		rn.udp = append(rn.udp, pc)
		rn.addrs = append(rn.addrs, Listen{Network: "udp", Addr: pc.LocalAddr().String()})
		rn.serveUDP(pc)
		return nil
	case "tcp":
		tl, err := listenTCP(l.Addr, rn.r.tcp)
		if err != nil {
			return err
		}
		rn.tcp = append(rn.tcp, tl)
		rn.addrs = append(rn.addrs, Listen{Network: "tcp", Addr: tl.Addr().String()})
		rn.serveTCP(tl)
		return nil
	}
	return fmt.Errorf("network %q: want udp or tcp", l.Network)
}

func (rn *run) serveUDP(pc net.PacketConn) {
	rn.wg.Add(1)
	go func() {
		defer rn.wg.Done()
		_ = rn.srv.ServeUDP(pc) // returns when pc is closed
	}()
}

func (rn *run) serveTCP(tl *tcpListener) {
	rn.wg.Add(1)
	go func() {
		defer rn.wg.Done()
		// tl retries failed accepts, so this returns when tl is closed.
		if err := rn.srv.ServeTCP(tl); !errors.Is(err, net.ErrClosed) {
			rn.r.log.Error("TCP listener stopped", "addr", tl.Addr().String(), "error", err)
		}
	}()
}

// closeTCP closes the TCP listeners and their connections (FaultRefuseTCP).
func (rn *run) closeTCP() {
	for i, tl := range rn.tcp {
		if tl != nil {
			tl.closeAll()
			rn.tcp[i] = nil
		}
	}
}

// reopenTCP listens again on the TCP addresses closeTCP closed.
func (rn *run) reopenTCP() error {
	var errs []error
	i := 0
	for _, a := range rn.addrs {
		if a.Network != "tcp" {
			continue
		}
		if rn.tcp[i] == nil {
			tl, err := listenTCP(a.Addr, rn.r.tcp)
			if err != nil {
				errs = append(errs, fmt.Errorf("reopen tcp %s: %w", a.Addr, err))
			} else {
				rn.tcp[i] = tl
				rn.serveTCP(tl)
			}
		}
		i++
	}
	return errors.Join(errs...)
}

// close stops everything the run started and waits for its goroutines.
func (rn *run) close() error {
	close(rn.stop)
	var errs []error
	for _, pc := range rn.udp {
		errs = append(errs, pc.Close())
	}
	rn.closeTCP()
	errs = append(errs, rn.ua.Close())
	rn.wg.Wait()
	return errors.Join(errs...)
}

// sweep expires lapsed bindings every sweepEvery until the run stops.
func (rn *run) sweep() {
	defer rn.wg.Done()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-rn.stop:
			return
		case <-t.C:
			rn.r.expire(rn.r.cfg.now())
		}
	}
}
