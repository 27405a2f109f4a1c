package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/api"
)

func newWorkflowCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	return newGroupCmd("workflow", "Test, inspect and measure workflows",
		newWorkflowTestCmd(lookupEnv),
		newWorkflowListCmd(lookupEnv),
		newWorkflowShowCmd(lookupEnv),
		newWorkflowHistoryCmd(lookupEnv),
		newWorkflowMetricsCmd(lookupEnv),
		newWorkflowDebugCmd(),
	)
}

func newWorkflowListCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the active workflows of the daemon",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetchAndShow(cmd, client, output, "/v1/workflows", printWorkflowList)
		},
	}
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}

func printWorkflowList(w io.Writer, list api.WorkflowList) error {
	if list.Commit == "" {
		fmt.Fprintln(w, "no policy snapshot is active yet")
		return nil
	}
	fmt.Fprintf(w, "active commit %s (snapshot %d), %s\n\n", shortCommit(list.Commit), list.SnapshotID, plural(len(list.Workflows), "workflow"))
	table := newTable(w)
	fmt.Fprintln(table, "NAME\tVERSION\tTRIGGER\tSTEPS\tFILE")
	for _, wf := range list.Workflows {
		fmt.Fprintf(table, "%s\t%s\t%s\t%d\t%s\n", wf.Name, orDash(wf.Version), triggerText(wf.Trigger), wf.StepCount, wf.File)
	}
	return table.Flush()
}

// triggerText summarizes a trigger in one cell: "event TYPE", "schedule SPEC"
// (with its time zone unless UTC) or both.
func triggerText(t api.TriggerView) string {
	var parts []string
	if t.Event != "" {
		parts = append(parts, "event "+t.Event)
	}
	if t.Schedule != "" {
		schedule := "schedule " + t.Schedule
		if t.Timezone != "" && t.Timezone != "UTC" {
			schedule += " " + t.Timezone
		}
		parts = append(parts, schedule)
	}
	return orDash(strings.Join(parts, ", "))
}

func newWorkflowShowCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var client clientOptions
	var output string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show an active workflow: version, commit, file, trigger and steps",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetchAndShow(cmd, client, output, "/v1/workflows/"+url.PathEscape(args[0]), printWorkflowDetail)
		},
	}
	addClientFlags(cmd, &client, lookupEnv)
	addOutputFlag(cmd, &output)
	return cmd
}
