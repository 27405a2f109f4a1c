package main

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/store"
)

// metricsReport is the output of workflow metrics.
type metricsReport struct {
	Workflow  string    `json:"workflow"`
	TimeRange string    `json:"time_range"`
	Since     time.Time `json:"since"`
	Runs      int       `json:"runs"`
	// Truncated is true when the range holds more runs than one request
	// returns, so only the newest api.MaxRunsLimit were counted.
	Truncated bool                    `json:"truncated"`
	ByStatus  map[store.RunStatus]int `json:"by_status"`
	Finished  int                     `json:"finished"`
	// SuccessRate is succeeded runs over finished runs; nil when none
	// finished.
	SuccessRate *float64 `json:"success_rate"`
	// Duration is creation to finish of finished runs, including queueing
	// and approval waits.
	Duration *durationStats `json:"duration"`
	Steps    []*stepMetrics `json:"steps,omitempty"`
}

// metricsOptions are the flags of workflow metrics.
type metricsOptions struct {
	client      clientOptions
	workflow    string
	timeRange   string
	stepTiming  bool
	output      string
	now         func() time.Time
	rangeLength time.Duration
}

func (o *metricsOptions) validate() error {
	if err := checkChoice("output", o.output, formatText, formatJSON); err != nil {
		return err
	}
	if o.workflow == "" {
		return usageErrorf("--workflow is required")
	}
	var err error
	o.rangeLength, err = parseTimeRange(o.timeRange)
	return err
}

func newWorkflowMetricsCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	opts := metricsOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "metrics --workflow W",
		Short: "Summarize a workflow's runs: status counts, success rate, durations",
		Long: `Compute run statistics of one workflow from the daemon's run API: runs
by status, success rate (succeeded over finished runs), and the p50, p95 and
maximum run duration from creation to finish. --include-step-timing adds
per-step status counts, retries, durations and start delays. At most the
newest 1000 runs of the range are read.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			c, err := opts.client.newClient()
			if err != nil {
				return err
			}
			since := opts.now().Add(-opts.rangeLength).UTC()
			query := url.Values{
				"workflow": {opts.workflow},
				"since":    {since.Format(time.RFC3339Nano)},
				"limit":    {strconv.Itoa(api.MaxRunsLimit)},
			}
			var list api.RunList
			if err := c.getJSON(cmd.Context(), "/v1/runs", query, &list); err != nil {
				return err
			}
			if len(list.Runs) == 0 {
				// A workflow without runs must at least be active; a typo
				// in its name is then an error, not an empty report.
				if err := c.getJSON(cmd.Context(), "/v1/workflows/"+url.PathEscape(opts.workflow), nil, nil); err != nil {
					return failure(fmt.Errorf("workflow %q has no runs in the range and is not in the active set: %w", opts.workflow, err))
				}
			}
			report := buildMetrics(opts, since, list.Runs)
			if opts.output == formatJSON {
				return writeJSON(cmd.OutOrStdout(), report)
			}
			return printMetrics(cmd.OutOrStdout(), report)
		},
	}
	cmd.Flags().StringVar(&opts.workflow, "workflow", "", "workflow name (required)")
	cmd.Flags().StringVar(&opts.timeRange, "time-range", "last-30-days", "period to summarize: last-30-days, last-7-days, last-24-hours, Nd or Nh")
	cmd.Flags().BoolVar(&opts.stepTiming, "include-step-timing", false, "add per-step status counts and timings")
	addClientFlags(cmd, &opts.client, lookupEnv)
	addOutputFlag(cmd, &opts.output)
	return cmd
}

// buildMetrics computes the report from runs created since the start of the
// range.
func buildMetrics(opts metricsOptions, since time.Time, runs []*store.Run) metricsReport {
	report := metricsReport{
		Workflow:  opts.workflow,
		TimeRange: opts.timeRange,
		Since:     since,
		Runs:      len(runs),
		Truncated: len(runs) >= api.MaxRunsLimit,
		ByStatus:  map[store.RunStatus]int{},
	}
	var durations []time.Duration
	for _, r := range runs {
		report.ByStatus[r.Status]++
		if !r.Status.Final() {
			continue
		}
		report.Finished++
		if d, ok := runDuration(r); ok {
			durations = append(durations, d)
		}
	}
	if report.Finished > 0 {
		rate := float64(report.ByStatus[store.RunSucceeded]) / float64(report.Finished)
		report.SuccessRate = &rate
	}
	report.Duration = summarizeDurations(durations)
	if opts.stepTiming {
		report.Steps = stepTimings(runs)
	}
	return report
}

func printMetrics(w io.Writer, r metricsReport) error {
	fmt.Fprintf(w, "workflow %s, %s (runs created since %s)\n", r.Workflow, r.TimeRange, formatTime(r.Since))
	if r.Truncated {
		fmt.Fprintf(w, "note: only the newest %d runs of the range were read\n", api.MaxRunsLimit)
	}
	fmt.Fprintf(w, "runs:         %d%s\n", r.Runs, statusCounts(r.ByStatus))
	if r.SuccessRate != nil {
		fmt.Fprintf(w, "success rate: %.1f%% of %s\n", *r.SuccessRate*100, plural(r.Finished, "finished run"))
	} else {
		fmt.Fprintln(w, "success rate: - (no finished runs)")
	}
	fmt.Fprintf(w, "duration:     %s (creation to finish)\n", r.Duration.text())
	if r.Steps == nil {
		return nil
	}
	fmt.Fprintln(w)
	table := newTable(w)
	fmt.Fprintln(table, "STEP\tSUCCEEDED\tFAILED\tTIMED_OUT\tSKIPPED\tRETRIED\tMAX_DELAY_MISSED\tDURATION\tSTART_DELAY")
	for _, s := range r.Steps {
		fmt.Fprintf(table, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Name,
			s.ByStatus[store.StepSucceeded], s.ByStatus[store.StepFailed], s.ByStatus[store.StepTimedOut],
			s.ByStatus[store.StepSkipped], s.Retried, s.DeadlineMissed, s.Duration.text(), s.StartDelay.text())
	}
	return table.Flush()
}

// statusCounts formats " (succeeded 3, failed 1)" in a fixed status order.
func statusCounts(counts map[store.RunStatus]int) string {
	var parts []string
	for _, status := range []store.RunStatus{
		store.RunSucceeded, store.RunFailed, store.RunTimedOut, store.RunCancelled,
		store.RunRunning, store.RunWaitingApproval, store.RunPending,
	} {
		if n := counts[status]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", status, n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
