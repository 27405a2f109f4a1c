package actions

import (
	"context"
	"net/http"
	"strings"
)

// httpAction is the built-in "http" action: one JSON request to any URL.
type httpAction struct {
	sender *httpSender
}

// call reads the action's parameters: method (default POST), url,
// headers, body, timeout and expect_status.
func (a *httpAction) call(inv Invocation) (httpCall, error) {
	p := newParams(ActionHTTP, inv.Params, "method", "url", "headers", "body", "timeout", "expect_status")
	call := httpCall{
		method:  normalizeMethod(p.string("method", false)),
		url:     p.string("url", true),
		headers: p.stringMap("headers"),
		body:    inv.Params["body"],
		hasBody: inv.Params["body"] != nil,
		timeout: p.duration("timeout"),
		expect:  p.intList("expect_status"),
	}
	if p.err != nil {
		return httpCall{}, p.err
	}
	if err := checkHTTPURL(call.url); err != nil {
		return httpCall{}, p.errorf("parameter url %s: %v", a.sender.red.errorURL(call.url), err)
	}
	return call, nil
}

// Execute sends the request and returns {status, headers, body}.
func (a *httpAction) Execute(ctx context.Context, inv Invocation) (any, error) {
	call, err := a.call(inv)
	if err != nil {
		return nil, err
	}
	resp, err := a.sender.send(ctx, call, inv)
	if err != nil {
		return nil, err
	}
	return resp.output(), nil
}

// Render returns the request Execute would send.
func (a *httpAction) Render(inv Invocation) (Request, error) {
	call, err := a.call(inv)
	if err != nil {
		return Request{}, err
	}
	return a.sender.render(call, inv), nil
}

// normalizeMethod upper-cases method, defaulting to POST.
func normalizeMethod(method string) string {
	if method == "" {
		return http.MethodPost
	}
	return strings.ToUpper(method)
}
