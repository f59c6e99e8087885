package dnsserver

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// fingerprint tells whether a zone's files changed since they were loaded.
type fingerprint []fileStamp

// fileStamp is one file's size, modification time and content hash. The
// hash catches edits that keep size and time (editors that restore mtime,
// coarse file system clocks).
type fileStamp struct {
	path  string
	size  int64
	mtime time.Time
	sum   [sha256.Size]byte
}

func stamp(path string) fileStamp {
	st := fileStamp{path: path}
	if fi, err := os.Stat(path); err == nil {
		st.size, st.mtime = fi.Size(), fi.ModTime()
	}
	if b, err := os.ReadFile(path); err == nil {
		st.sum = sha256.Sum256(b)
	}
	return st
}

// changed reports whether any file differs from its stamp.
func (fp fingerprint) changed() bool {
	return slices.ContainsFunc(fp, func(st fileStamp) bool { return stamp(st.path) != st })
}

// loadFile loads the zone at path and fingerprints its files. The main
// file's fingerprint is taken before parsing, so a write during the load
// shows up as a change next time. On error the fingerprint covers the
// $INCLUDEd files read so far too: fixing the one at fault is a change.
func loadFile(path string) (*Zone, fingerprint, error) {
	fp := fingerprint{stamp(path)}
	z, files, err := loadZone(path, "")
	if len(files) > 1 {
		for _, f := range files[1:] {
			fp = append(fp, stamp(f))
		}
	}
	return z, fp, err
}

// Reload loads every zone file again. A file that fails keeps its last good
// zone serving; the error names each failing file with line and reason.
// Queries are answered throughout: the new zones are swapped in at once.
// Zones whose files did not change stay as they are and are not notified.
func (s *Server) Reload() error {
	return s.reload(func(string) bool { return true })
}

// ReloadIfChanged reloads the zone files that changed since they were last
// read, as Reload does. Config.ReloadInterval calls it periodically.
func (s *Server) ReloadIfChanged() error {
	return s.reload(func(path string) bool { return s.files[path].changed() })
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
		if !slices.Equal(before, s.files[path]) {
			byFile[path], changed = z, append(changed, z)
		}
	}
	if len(changed) > 0 {
		s.snap.Store(newSnapshot(mapValues(byFile)))
		s.notifyChanged(old, changed)
	}
	return errors.Join(errs...)
}

// reloadFile loads one file for a reload and logs the outcome.
func (s *Server) reloadFile(path string, byFile map[string]*Zone) (*Zone, error) {
	z, fp, err := loadFile(path)
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
	z.logLoaded(s.log)
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
