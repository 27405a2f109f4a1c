package actions

import "time"

// Names of the built-in actions.
const (
	ActionHTTP  = "http"
	ActionExec  = "exec"
	ActionSlack = "send_slack_message"
)

// connectorsRuntime is the state every action shares: the connectors, the
// secrets to redact and the code paths that send requests and run
// programs.
type connectorsRuntime struct {
	conn   Connectors
	red    *redactor
	sender *httpSender
	runner *execRunner
}

// newRuntime builds the shared runtime; opts must have its defaults filled.
func newRuntime(conn Connectors, opts Options) *connectorsRuntime {
	red := newRedactor(conn)
	return &connectorsRuntime{
		conn: conn,
		red:  red,
		sender: &httpSender{
			client: opts.HTTPClient,
			logger: opts.Logger,
			red:    red,
			now:    time.Now,
		},
		runner: &execRunner{allowed: opts.AllowExec, lookupEnv: opts.LookupEnv, logger: opts.Logger, red: red},
	}
}

// builtinActions returns the built-in actions by name.
func (rt *connectorsRuntime) builtinActions() map[string]Action {
	return map[string]Action{
		ActionHTTP:  &httpAction{sender: rt.sender},
		ActionExec:  &execAction{runner: rt.runner},
		ActionSlack: &slackAction{sender: rt.sender, conf: rt.conn.Slack},
	}
}
