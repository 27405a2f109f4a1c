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
	p := params{action: "http", values: inv.Params}
	if err := p.checkKnown("method", "url", "headers", "body", "timeout", "expect_status"); err != nil {
		return httpCall{}, err
	}
	method, err := p.string("method", false)
	if err != nil {
		return httpCall{}, err
	}
	rawURL, err := p.string("url", true)
	if err != nil {
		return httpCall{}, err
	}
	headers, err := p.stringMap("headers")
	if err != nil {
		return httpCall{}, err
	}
	timeout, err := p.duration("timeout")
	if err != nil {
		return httpCall{}, err
	}
	expect, err := p.intList("expect_status")
	if err != nil {
		return httpCall{}, err
	}
	call := httpCall{
		method:  normalizeMethod(method),
		url:     rawURL,
		headers: headers,
		body:    inv.Params["body"],
		hasBody: inv.Params["body"] != nil,
		timeout: timeout,
		expect:  expect,
	}
	if err := checkHTTPURL(rawURL); err != nil {
		return httpCall{}, p.errorf("parameter url %s: %v", a.sender.red.errorURL(rawURL), err)
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
