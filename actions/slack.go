package actions

import (
	"context"
	"fmt"
	"strings"
)

// slackAction is the built-in "send_slack_message" action.
type slackAction struct {
	sender *httpSender
	conf   Slack
}

// slackMessage holds the action's parameters.
type slackMessage struct {
	channel, text, username, iconEmoji string
	blocks                             any
}

// slackTransient reports whether a chat.postMessage error code may clear
// on a later attempt. Every other code is permanent.
func slackTransient(code string) bool {
	switch code {
	case "ratelimited", "internal_error", "service_unavailable", "request_timeout":
		return true
	}
	return false
}

// message reads channel, message, blocks, username and icon_emoji.
func (a *slackAction) message(inv Invocation) (slackMessage, error) {
	p := newParams(ActionSlack, inv.Params, "channel", "message", "blocks", "username", "icon_emoji")
	msg := slackMessage{
		text:      p.string("message", true),
		channel:   p.string("channel", false),
		username:  p.string("username", false),
		iconEmoji: p.string("icon_emoji", false),
		blocks:    inv.Params["blocks"],
	}
	return msg, p.err
}

// call builds the request: chat.postMessage when a bot token is configured
// and the step names a channel, else the incoming webhook.
func (a *slackAction) call(msg slackMessage) (httpCall, bool, error) {
	useAPI := a.conf.Token != "" && (msg.channel != "" || a.conf.WebhookURL == "")
	switch {
	case useAPI && msg.channel == "":
		return httpCall{}, false, permanentError("send_slack_message: parameter channel is required "+
			"when sending with a bot token; set it, or set slack.webhook_url in the connectors file "+
			"or "+EnvSlackWebhookURL+" to post to the webhook's channel", nil)
	case useAPI:
		return a.apiCall(msg), true, nil
	case a.conf.WebhookURL != "":
		return a.webhookCall(msg), false, nil
	}
	return httpCall{}, false, permanentError("send_slack_message: no Slack connector configured; "+
		"set slack.webhook_url or slack.bot_token in the connectors file, or the "+
		EnvSlackWebhookURL+" or "+EnvSlackBotToken+" environment variable", nil)
}

// webhookCall posts the incoming-webhook payload, leaving out empty fields.
func (a *slackAction) webhookCall(msg slackMessage) httpCall {
	body := map[string]any{"text": msg.text}
	addNonEmpty(body, "channel", msg.channel)
	addNonEmpty(body, "username", msg.username)
	addNonEmpty(body, "icon_emoji", msg.iconEmoji)
	if msg.blocks != nil {
		body["blocks"] = msg.blocks
	}
	return httpCall{
		method:     "POST",
		url:        a.conf.WebhookURL,
		displayURL: webhookURL(a.conf.WebhookURL),
		body:       body,
		hasBody:    true,
		expect:     []int{200},
	}
}

// apiCall posts to chat.postMessage with the bot token.
func (a *slackAction) apiCall(msg slackMessage) httpCall {
	body := map[string]any{"channel": msg.channel, "text": msg.text}
	addNonEmpty(body, "username", msg.username)
	addNonEmpty(body, "icon_emoji", msg.iconEmoji)
	if msg.blocks != nil {
		body["blocks"] = msg.blocks
	}
	base := a.conf.APIURL
	if base == "" {
		base = DefaultSlackAPIURL
	}
	return httpCall{
		method: "POST",
		url:    strings.TrimRight(base, "/") + "/chat.postMessage",
		headers: map[string]string{
			"Authorization": "Bearer " + a.conf.Token,
			// Slack warns about JSON bodies sent without a charset.
			"Content-Type": "application/json; charset=utf-8",
		},
		secretHeaders: map[string]bool{"Authorization": true},
		body:          body,
		hasBody:       true,
		expect:        []int{200},
	}
}

// Execute posts the message. The output is {ok} for a webhook and
// {ok, channel, ts} for chat.postMessage.
func (a *slackAction) Execute(ctx context.Context, inv Invocation) (any, error) {
	msg, err := a.message(inv)
	if err != nil {
		return nil, err
	}
	call, useAPI, err := a.call(msg)
	if err != nil {
		return nil, err
	}
	resp, err := a.sender.send(ctx, call, inv)
	if err != nil {
		return nil, err
	}
	if useAPI {
		return a.apiOutput(call, resp)
	}
	return a.webhookOutput(call, resp)
}

// webhookOutput checks the webhook's response: 200 with the body "ok".
func (a *slackAction) webhookOutput(call httpCall, resp *httpResponse) (any, error) {
	if text := strings.TrimSpace(string(resp.raw)); text != "ok" {
		return nil, permanentError(fmt.Sprintf("send_slack_message: webhook %s returned %s, expected \"ok\"",
			call.displayURL, quoteExcerpt(a.sender.red.text(text), maxErrorBody)), nil)
	}
	return map[string]any{"ok": true}, nil
}

// apiOutput checks the chat.postMessage response, which reports failures
// as 200 with {"ok": false, "error": code}.
func (a *slackAction) apiOutput(call httpCall, resp *httpResponse) (any, error) {
	// The body is decoded whatever the Content-Type, which Slack sets but a
	// proxy may drop.
	decoded, err := decodeJSON(resp.raw)
	body, ok := decoded.(map[string]any)
	if err != nil || !ok {
		return nil, permanentError(fmt.Sprintf("send_slack_message: chat.postMessage returned a body that is not a JSON object: %s",
			quoteExcerpt(a.sender.red.text(string(resp.raw)), maxErrorBody)), nil)
	}
	if body["ok"] != true {
		code, _ := body["error"].(string)
		if code == "" {
			code = "unknown_error"
		}
		return nil, &Error{
			Message:   fmt.Sprintf("send_slack_message: chat.postMessage to %s failed: Slack error %s", call.body.(map[string]any)["channel"], code),
			Retryable: slackTransient(code),
		}
	}
	return map[string]any{"ok": true, "channel": body["channel"], "ts": body["ts"]}, nil
}

// Render returns the request Execute would send. Without a Slack connector,
// as in a dry run in CI, it renders the webhook request to a placeholder URL.
func (a *slackAction) Render(inv Invocation) (Request, error) {
	msg, err := a.message(inv)
	if err != nil {
		return Request{}, err
	}
	if a.conf.WebhookURL == "" && a.conf.Token == "" {
		placeholder := *a
		placeholder.conf.WebhookURL = "https://hooks.slack.invalid/services/***"
		return placeholder.sender.render(placeholder.webhookCall(msg), inv), nil
	}
	call, _, err := a.call(msg)
	if err != nil {
		return Request{}, err
	}
	return a.sender.render(call, inv), nil
}

// addNonEmpty sets m[key] when value is not empty.
func addNonEmpty(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}
