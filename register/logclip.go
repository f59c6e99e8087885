package register

import (
	"context"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/siplocate/siplocate/internal/logsafe"
)

// maxLogValue bounds a string logged for sipgo: it logs a message it cannot
// parse in full ("failed to parse", data=...), so a hostile server sending
// 32 KiB datagrams would otherwise get 32 KiB into our log for each.
const maxLogValue = 512

// clipHandler passes records on with their message and string values
// made printable (logsafe.Quote) and long ones cut to maxLogValue bytes:
// everything the agent and sipgo log may come from the network.
type clipHandler struct{ next slog.Handler }

// clipLogger returns log with string values made printable and cut.
func clipLogger(log *slog.Logger) *slog.Logger {
	return slog.New(clipHandler{next: log.Handler()})
}

func (h clipHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h clipHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, clip(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(clipAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h clipHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clipped := make([]slog.Attr, len(as))
	for i, a := range as {
		clipped[i] = clipAttr(a)
	}
	return clipHandler{next: h.next.WithAttrs(clipped)}
}

func (h clipHandler) WithGroup(name string) slog.Handler {
	return clipHandler{next: h.next.WithGroup(name)}
}

// clipAttr cuts a's value when it is a long string, or a value logged as
// one (an error, a message's String method).
func clipAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, clip(v.String()))
	case slog.KindAny:
		if s, ok := v.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, clip(s.String()))
		}
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, clip(err.Error()))
		}
	case slog.KindGroup:
		attrs := v.Group()
		clipped := make([]any, len(attrs))
		for i, g := range attrs {
			clipped[i] = clipAttr(g)
		}
		return slog.Group(a.Key, clipped...)
	}
	return a
}

// clip makes s printable and cuts it to maxLogValue bytes, saying how
// much was left out.
func clip(s string) string {
	if len(s) > maxLogValue {
		n := maxLogValue
		for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
			n-- // cut between runes, so the cut leaves no invalid UTF-8
		}
		s = fmt.Sprintf("%s... (%d bytes more)", s[:n], len(s)-n)
	}
	return logsafe.Quote(s)
}
