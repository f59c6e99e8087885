package locate

import "testing"

// RunRFC3263Cases runs the cases of TestLocateRFC3263 with the Resolver
// newResolver makes for each case's zone, for the external test package's
// run on a real dnsclient.
func RunRFC3263Cases(t *testing.T, newResolver func(t *testing.T, zone []string) Resolver) {
	for _, tt := range rfc3263Cases() {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newTestLocator(newResolver(t, tt.zone)).Locate(t.Context(), tt.uri, tt.opts)
			checkCase(t, tt.uri, res, err, tt.wantTargets, tt.wantQueries, tt.wantErr)
		})
	}
}
