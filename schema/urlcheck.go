package schema

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// builtinHTTPAction is the catalog name of the built-in http action.
const builtinHTTPAction = "http"

// urlSchemePrefix matches a URL scheme and its colon (RFC 3986, section 3.1).
var urlSchemePrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// httpURLProblem returns why an http request to raw would fail when the
// step runs, as far as lint can tell, or "" when it cannot tell. A URL
// without templates is judged whole: it must parse, and a scheme, when it
// has one, must be http or https with a host after it. With needAbsolute
// set, as for the built-in http action, the scheme is required. A URL with
// templates is judged by the scheme in its literal text before the first
// "{{", if that text has one.
func httpURLProblem(raw string, needAbsolute bool) string {
	if i := strings.Index(raw, "{{"); i >= 0 {
		m := urlSchemePrefix.FindStringSubmatch(raw[:i])
		if m == nil || isHTTPScheme(m[1]) {
			return ""
		}
		return schemeProblem(raw, m[1])
	}
	u, err := url.Parse(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Sprintf("url %q is not a valid URL: %v", raw, err)
	}
	switch {
	case u.Scheme == "" && needAbsolute:
		return fmt.Sprintf("url %q is not an absolute URL; write a full http:// or https:// URL", raw)
	case u.Scheme == "":
		return ""
	case !isHTTPScheme(u.Scheme):
		return schemeProblem(raw, u.Scheme)
	case u.Host == "":
		return fmt.Sprintf("url %q has no host after %s://", raw, u.Scheme)
	}
	return ""
}

func isHTTPScheme(scheme string) bool {
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")
}

func schemeProblem(raw, scheme string) string {
	return fmt.Sprintf("url %q uses the scheme %q; only http:// and https:// URLs can be requested", raw, scheme)
}

// checkHTTPParameters reports a url parameter of the built-in http action
// that fails before the request is sent.
func (sc *stepCompiler) checkHTTPParameters(action string, params *yaml.Node) {
	if action != builtinHTTPAction {
		return
	}
	if entry, ok := sc.ctx.actions[action]; !ok || entry.def != nil {
		return
	}
	u := value(params, "url")
	if u == nil || u.Kind != yaml.ScalarNode || u.Tag != "!!str" {
		return
	}
	if msg := httpURLProblem(u.Value, true); msg != "" {
		*sc.problems = append(*sc.problems, sc.doc.problem(u, "%s", msg))
	}
}
