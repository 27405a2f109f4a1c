package reconciler

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// remoteSpec is the configured repository location split into a URL without
// credentials and the credentials taken out of it. The URL is safe to store
// in the clone's config, to log and to show in Status. The scp-like form
// keeps its user name, which is not a secret.
type remoteSpec struct {
	url      string
	protocol string
	username string
	password string
}

// scpLike matches the scp-like ssh form [user@]host:path.
var scpLike = regexp.MustCompile(`^(?:[^@/]+@)?[^/:@]+:`)

// supportedSchemes are the URL schemes a policy repository may use. Plain
// http:// and git:// are left out: anyone on the network path could change
// the workflows the daemon runs.
var supportedSchemes = map[string]bool{"file": true, "https": true, "ssh": true}

// parseRemote turns Config.Repo into a remoteSpec. A local path becomes an
// absolute file:// URL. A string that is not an existing path and looks like
// [user@]host:path is read as the scp-like ssh form.
func parseRemote(repo string) (remoteSpec, error) {
	if strings.Contains(repo, "://") {
		return parseURLRemote(repo)
	}
	if _, err := os.Stat(repo); err != nil && scpLike.MatchString(repo) {
		ep, err := transport.NewEndpoint(repo)
		if err != nil {
			return remoteSpec{}, fmt.Errorf("parse repository %q: %w", repo, err)
		}
		return remoteSpec{url: repo, protocol: "ssh", username: ep.User}, nil
	}
	abs, err := filepath.Abs(repo)
	if err != nil {
		return remoteSpec{}, fmt.Errorf("resolve repository path %q: %w", repo, err)
	}
	return remoteSpec{url: "file://" + filepath.ToSlash(abs), protocol: "file"}, nil
}

func parseURLRemote(repo string) (remoteSpec, error) {
	u, err := url.Parse(repo)
	if err != nil {
		// The url package quotes the input, which may hold a password, so
		// the error is not wrapped.
		return remoteSpec{}, fmt.Errorf("parse repository URL %q: invalid URL", stripUserinfo(repo))
	}
	if !supportedSchemes[u.Scheme] {
		return remoteSpec{}, fmt.Errorf("parse repository URL %q: unsupported scheme %q (use file, https or ssh)", stripUserinfo(repo), u.Scheme)
	}
	spec := remoteSpec{protocol: u.Scheme}
	if u.User != nil {
		spec.username = u.User.Username()
		spec.password, _ = u.User.Password()
		u.User = nil
	}
	spec.url = u.String()
	return spec, nil
}

// stripUserinfo removes "user:password@" from a string that failed to parse
// as a URL, so that error messages cannot show a password.
func stripUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	if at := strings.LastIndex(rest[:hostEnd], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}
