// Package actions performs the side effects of workflow steps.
//
// A Catalog maps an action name to an Action. The built-in actions are
// "http" (one JSON request), "exec" (one program run without a shell, JSON
// on stdin and stdout) and "send_slack_message". A policy repository adds
// its own actions in actions/*.yaml, each bound to an HTTP request or a
// program run. The engine calls Action.Execute. `workflow test --dry-run`
// calls Action.Render, which returns the request Execute would send and
// sends nothing.
//
// Every failure is an *Error that records whether another attempt may
// succeed: network errors, timeouts, HTTP 408, 429 and 5xx are retryable;
// other HTTP statuses, a non-zero exit and invalid parameters are
// permanent. Retryable and RetryAfter read that classification.
//
// # Connectors file
//
// Credentials and addresses live in a YAML file outside the policy
// repository, so that no secret is committed. "${NAME}" in a value is
// replaced by the environment variable NAME, and loading fails when NAME is
// not set. Other text, a lone "$" included, is kept as written. Unknown
// keys are rejected.
//
//	slack:
//	  # Incoming webhook: posts to the channel chosen when it was created.
//	  webhook_url: ${SLACK_WEBHOOK_URL}
//	  # Bot token: chat.postMessage to the channel the step names.
//	  bot_token: ${SLACK_BOT_TOKEN}
//	  api_url: https://slack.com/api      # the default
//	endpoints:
//	  jira:                               # named by http.endpoint in actions/*.yaml
//	    base_url: https://jira.example.com/rest/api/2
//	    headers:
//	      Authorization: "Bearer ${JIRA_TOKEN}"
//	    timeout: 15s
//	  pagerduty:
//	    base_url: https://events.pagerduty.com
//	    secrets:                          # endpoint.secrets.NAME in bindings
//	      routing_key: ${PAGERDUTY_ROUTING_KEY}
//
// Without a file, or for a Slack key the file leaves empty, the connector
// reads the environment variables SLACK_WEBHOOK_URL, SLACK_BOT_TOKEN and
// SLACK_API_URL. With both a token and a webhook configured, a step that
// names a channel goes through chat.postMessage and one that does not goes
// through the webhook.
//
// # Secrets
//
// The bot token, the webhook URL's path, the Authorization header, every
// endpoint header and every endpoint secret are secrets. They are replaced by "***" in errors, logs
// and rendered requests. Secret values are also searched for in free text,
// such as a response body quoted in an error, when they are at least six
// bytes long. Because every endpoint header value counts as a secret,
// put headers that are not secret, such as Accept, in the action file
// rather than the connectors file.
//
// # Programs run by exec actions
//
// The program gets PATH, the variables its action lists under env, and
// POLICYCORTEX_IDEMPOTENCY_KEY, POLICYCORTEX_RUN_ID, POLICYCORTEX_STEP,
// POLICYCORTEX_WORKFLOW and POLICYCORTEX_ATTEMPT; nothing else of the
// daemon's environment reaches it. It runs in its own process group, which
// is killed with SIGKILL when the timeout expires.
package actions
