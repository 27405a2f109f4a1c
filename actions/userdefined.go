package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
)

// userHTTPAction is a user-defined action bound to an HTTP request.
type userHTTPAction struct {
	def    *schema.ActionDef
	rt     *connectorsRuntime
	params *paramValidator
}

// call renders the binding's templates with params and endpoint, resolves
// the URL against the endpoint and merges the endpoint's headers. When
// placeholders is not nil (rendering only), an endpoint missing from the
// connectors file is replaced by a placeholder whose secrets are the names
// in placeholders, so a dry run in CI shows the request without the daemon's
// connectors file.
func (a *userHTTPAction) call(inv Invocation, placeholders map[string]bool) (httpCall, error) {
	where := "action " + a.def.Name
	params, err := a.params.check(inv.Params)
	if err != nil {
		return httpCall{}, err
	}
	binding := a.def.HTTP
	var endpoint *Endpoint
	endpointVar := map[string]any{}
	if binding.Endpoint != "" {
		ep, ok := a.rt.conn.Endpoints[binding.Endpoint]
		if !ok && placeholders != nil {
			ep, ok = placeholderEndpoint(binding.Endpoint, placeholders), true
		}
		if !ok {
			return httpCall{}, permanentError(fmt.Sprintf("%s: endpoint %s is not in the connectors file; add endpoints.%s with a base_url",
				where, binding.Endpoint, binding.Endpoint), nil)
		}
		endpoint = &ep
		endpointVar = endpointValue(binding.Endpoint, ep)
	}
	vars := &expr.Vars{Extra: map[string]any{"params": params, "endpoint": endpointVar}}

	rawURL, err := a.renderString(binding.URL, vars, "url")
	if err != nil {
		return httpCall{}, err
	}
	target, err := resolveURL(rawURL, endpoint)
	if err != nil {
		return httpCall{}, permanentError(fmt.Sprintf("%s: url %s: %v", where, a.rt.red.errorURL(rawURL), err), nil)
	}
	headers := make(map[string]string, len(binding.Headers))
	for name, tmpl := range binding.Headers {
		if headers[name], err = a.renderString(tmpl, vars, "headers."+name); err != nil {
			return httpCall{}, err
		}
	}
	call := httpCall{
		method:  normalizeMethod(binding.Method),
		url:     target,
		headers: headers,
		timeout: shortestTimeout(binding.Timeout, endpointTimeout(endpoint)),
	}
	if endpoint != nil {
		mergeEndpointHeaders(&call, endpoint.Headers)
	}
	if binding.Body != nil {
		body, err := binding.Body.Render(vars)
		if err != nil {
			return httpCall{}, a.renderError("body", err)
		}
		call.body, call.hasBody = body, body != nil
	}
	return call, nil
}

// renderString renders a template that must produce a string (or a number
// or boolean, which is formatted).
func (a *userHTTPAction) renderString(tmpl *expr.Template, vars *expr.Vars, field string) (string, error) {
	if tmpl == nil {
		return "", nil
	}
	v, err := tmpl.Render(vars)
	if err != nil {
		return "", a.renderError(field, err)
	}
	s, err := scalarString(v)
	if err != nil {
		return "", a.renderError(field, err)
	}
	return s, nil
}

func (a *userHTTPAction) renderError(field string, err error) error {
	return permanentError(fmt.Sprintf("action %s: render %s: %s", a.def.Name, field, a.rt.red.text(err.Error())), err)
}

// Execute sends the request and returns {status, headers, body}.
func (a *userHTTPAction) Execute(ctx context.Context, inv Invocation) (any, error) {
	call, err := a.call(inv, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.rt.sender.send(ctx, call, inv)
	if err != nil {
		return nil, err
	}
	return resp.output(), nil
}

// Render returns the request Execute would send.
func (a *userHTTPAction) Render(inv Invocation) (Request, error) {
	placeholders := map[string]bool{}
	call, err := a.call(inv, placeholders)
	for range maxPlaceholderSecrets {
		var missing *expr.MissingFieldError
		name, isSecret := "", false
		if errors.As(err, &missing) {
			name, isSecret = strings.CutPrefix(missing.Path, "endpoint.secrets.")
		}
		if !isSecret || placeholders[name] {
			break
		}
		placeholders[name] = true
		call, err = a.call(inv, placeholders)
	}
	if err != nil {
		return Request{}, err
	}
	return a.rt.sender.render(call, inv), nil
}

// mergeEndpointHeaders adds the endpoint's headers to call. They replace a
// binding header of the same name, so the credentials the operator
// configured are the ones sent, and they are marked secret.
func mergeEndpointHeaders(call *httpCall, endpointHeaders map[string]string) {
	call.secretHeaders = make(map[string]bool, len(endpointHeaders))
	for name, value := range endpointHeaders {
		for existing := range call.headers {
			if strings.EqualFold(existing, name) {
				delete(call.headers, existing)
			}
		}
		call.headers[name] = value
		call.secretHeaders[http.CanonicalHeaderKey(name)] = true
	}
}

// endpointValue is the `endpoint` variable that binding templates see.
func endpointValue(name string, ep Endpoint) map[string]any {
	headers := make(map[string]any, len(ep.Headers))
	for key, value := range ep.Headers {
		headers[key] = value
	}
	secrets := make(map[string]any, len(ep.Secrets))
	for key, value := range ep.Secrets {
		secrets[key] = value
	}
	return map[string]any{"name": name, "base_url": ep.BaseURL, "headers": headers, "secrets": secrets}
}

// maxPlaceholderSecrets bounds the secrets a placeholder endpoint provides
// while a request is rendered.
const maxPlaceholderSecrets = 32

// placeholderEndpoint replaces an endpoint that is not configured, with
// "***" for each named secret.
func placeholderEndpoint(name string, secrets map[string]bool) Endpoint {
	ep := Endpoint{BaseURL: "https://" + name + ".endpoint.invalid", Secrets: map[string]string{}}
	for secret := range secrets {
		ep.Secrets[secret] = "***"
	}
	return ep
}

// endpointTimeout returns the endpoint's timeout, zero without one.
func endpointTimeout(ep *Endpoint) time.Duration {
	if ep == nil {
		return 0
	}
	return ep.Timeout
}

// resolveURL returns raw when it is absolute, else raw joined onto the
// endpoint's base URL with exactly one slash between them.
func resolveURL(raw string, ep *Endpoint) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("invalid URL")
	}
	if u.IsAbs() {
		if err := checkHTTPURL(raw); err != nil {
			return "", err
		}
		return raw, nil
	}
	if ep == nil {
		return "", errors.New("a relative URL needs an endpoint; set http.endpoint or write an absolute URL")
	}
	joined := strings.TrimRight(ep.BaseURL, "/") + "/" + strings.TrimLeft(raw, "/")
	if raw == "" {
		joined = ep.BaseURL
	}
	return joined, checkHTTPURL(joined)
}
