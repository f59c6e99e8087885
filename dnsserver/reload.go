package dnsserver

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"slices"
	"time"
)

// fingerprint tells whether a zone's files changed since they were loaded.
type fingerprint []fileStamp

// fileStamp is one file's size, modification time and content hash. Size
// and time say whether to read the file again; the hash says whether what
// was read differs (a file touched or rewritten with the same text is no
// change).
type fileStamp struct {
	path  string
	size  int64
	mtime time.Time
	sum   [sha256.Size]byte
}

// stat returns path's stamp without its hash, from Config.FS or the disk.
func (c *Config) stat(path string) fileStamp {
	st := fileStamp{path: path}
	var fi fs.FileInfo
	var err error
	if c.FS != nil {
		fi, err = fs.Stat(c.FS, path)
	} else {
		fi, err = os.Stat(path)
	}
	if err == nil {
		st.size, st.mtime = fi.Size(), fi.ModTime()
	}
	return st
}

// stamp returns path's stamp, reading the file to hash it.
func (c *Config) stamp(path string) fileStamp {
	st := c.stat(path)
	if b, err := c.readFile(path); err == nil {
		st.sum = sha256.Sum256(b)
	}
	return st
}

// changed reports whether any file's size or modification time differs
// from its stamp, as stat gives them. It reads no file: the poll costs one
// stat per file, whatever the zone's size.
func (fp fingerprint) changed(stat func(string) fileStamp) bool {
	return slices.ContainsFunc(fp, func(st fileStamp) bool {
		now := stat(st.path)
		return now.size != st.size || !now.mtime.Equal(st.mtime)
	})
}

// sameContent reports whether fp and o hash the same files to the same sums.
func (fp fingerprint) sameContent(o fingerprint) bool {
	return slices.EqualFunc(fp, o, func(a, b fileStamp) bool { return a.path == b.path && a.sum == b.sum })
}

// readFile reads path from Config.FS or the disk, unless a test counts
// the reads.
func (c *Config) readFile(path string) ([]byte, error) {
	switch {
	case c.read != nil:
		return c.read(path)
	case c.FS != nil:
		return fs.ReadFile(c.FS, path)
	}
	return os.ReadFile(path)
}

// loadFile loads the zone at path and fingerprints its files. The main
// file's fingerprint is taken before parsing, so a write during the load
// shows up as a change next time. On error the fingerprint covers the
// $INCLUDEd files read so far too: fixing the one at fault is a change.
func (s *Server) loadFile(path string) (*Zone, fingerprint, error) {
	fp := fingerprint{s.cfg.stamp(path)}
	z, files, err := loadZone(s.cfg.FS, path, "")
	if len(files) > 1 {
		for _, f := range files[1:] {
			fp = append(fp, s.cfg.stamp(f))
		}
	}
	return z, fp, err
}

// Reload loads every zone file again. A file that fails keeps its last good
// zone serving; the error names each failing file with line and reason.
// Queries are answered throughout: the new zones are swapped in at once.
// Zones whose files hold the same bytes as before stay as they are and are
// not notified.
func (s *Server) Reload() error {
	return s.reload(func(string) bool { return true })
}

// ReloadIfChanged reloads, as Reload does, the zone files whose size or
// modification time changed since they were last read; it reads no file
// otherwise. Config.ReloadInterval calls it periodically.
func (s *Server) ReloadIfChanged() error {
	return s.reload(func(path string) bool { return s.files[path].changed(s.cfg.stat) })
}

func (s *Server) reload(want func(path string) bool) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.snap.Load()
	byFile := s.zonesByFile(old)
	var errs []error
	var changed []*Zone
	for _, path := range s.cfg.Zones {
		if !want(path) {
			continue
		}
		before := s.files[path]
		z, err := s.reloadFile(path, byFile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !before.sameContent(s.files[path]) {
			z.logLoaded(s.log)
			byFile[path], changed = z, append(changed, z)
		}
	}
	if len(changed) > 0 {
		s.store(mapValues(byFile))
		s.notifyChanged(old, changed)
	}
	return errors.Join(errs...)
}

// store makes zones the ones served, numbered one above the last set so
// that the sockets' answer caches see the change. Then it hands the
// memory the load left behind (parsing, packing, the old zones) back to
// the system: the Go runtime otherwise keeps it as heap to grow into, and
// a server that allocates nothing per query never does (a 100k-record
// zone: 182 MB resident before, see docs/benchmarks.md).
func (s *Server) store(zones []*Zone) {
	snap := newShapedSnapshot(zones, s.healthView())
	snap.gen = s.gens.Add(1)
	s.snap.Store(snap)
	debug.FreeOSMemory()
}

// reloadFile loads one file for a reload and logs the outcome.
func (s *Server) reloadFile(path string, byFile map[string]*Zone) (*Zone, error) {
	z, fp, err := s.loadFile(path)
	s.files[path] = fp
	if err == nil {
		err = sameOriginElsewhere(byFile, path, z)
	}
	if err != nil {
		s.reloadsFailed.Add(1)
		s.log.Error("zone reload refused, last good zone kept", "file", path, "err", err)
		return nil, err
	}
	s.reloadsOK.Add(1)
	return z, nil
}

// sameOriginElsewhere refuses a zone that another file already serves.
func sameOriginElsewhere(byFile map[string]*Zone, path string, z *Zone) error {
	for p, o := range byFile {
		if p != path && o.Origin == z.Origin {
			return fmt.Errorf("dns server: %s and %s both hold zone %s", p, path, z.Origin)
		}
	}
	return nil
}

func (s *Server) zonesByFile(snap *snapshot) map[string]*Zone {
	m := map[string]*Zone{}
	for _, z := range snap.zones {
		m[z.File] = z
	}
	return m
}

func mapValues(m map[string]*Zone) []*Zone {
	out := make([]*Zone, 0, len(m))
	for _, z := range m {
		out = append(out, z)
	}
	return out
}

// watch polls the zone files every ReloadInterval until Close.
func (s *Server) watch() {
	tick := s.cfg.tick
	if tick == nil {
		t := time.NewTicker(s.cfg.ReloadInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick:
			_ = s.ReloadIfChanged() // logged by reload
		}
	}
}
