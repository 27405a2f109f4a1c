package reconciler

import (
	"sort"

	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// WarningVersionUnchanged is the DiffEntry warning for a workflow whose
// content, or that of a file it depends on, changed while its version string
// stayed the same, so runs and
// history cannot tell the two versions apart.
const WarningVersionUnchanged = "content changed but version did not"

// Diff compares the workflows of two repositories by name and returns the
// added, changed and removed ones sorted by workflow name. A workflow is
// changed when its effective digest (schema.Repository.EffectiveDigest) or
// its version differs. A nil repository has no workflows.
func Diff(old, new *schema.Repository) []store.DiffEntry {
	return DiffRecords(WorkflowRecords(old), WorkflowRecords(new))
}

// WorkflowRecords returns the stored form of repo's workflows.
func WorkflowRecords(repo *schema.Repository) []store.WorkflowRecord {
	if repo == nil {
		return nil
	}
	records := make([]store.WorkflowRecord, 0, len(repo.Workflows))
	for _, wf := range repo.Workflows {
		records = append(records, store.WorkflowRecord{
			Name:    wf.Name,
			Version: wf.Version,
			File:    wf.File,
			Digest:  repo.EffectiveDigest(wf),
		})
	}
	return records
}

// DiffRecords is Diff over stored workflow records, such as the daemon's
// active set as its API lists it.
func DiffRecords(old, new []store.WorkflowRecord) []store.DiffEntry {
	oldByName := make(map[string]store.WorkflowRecord, len(old))
	for _, wf := range old {
		oldByName[wf.Name] = wf
	}
	newNames := make(map[string]bool, len(new))
	var entries []store.DiffEntry
	for _, wf := range new {
		newNames[wf.Name] = true
		before, existed := oldByName[wf.Name]
		switch {
		case !existed:
			entries = append(entries, store.DiffEntry{
				Workflow:   wf.Name,
				Change:     store.ChangeAdded,
				NewVersion: wf.Version,
				NewDigest:  wf.Digest,
			})
		case before.Digest != wf.Digest || before.Version != wf.Version:
			entries = append(entries, changedEntry(before, wf))
		}
	}
	for _, wf := range old {
		if !newNames[wf.Name] {
			entries = append(entries, store.DiffEntry{
				Workflow:   wf.Name,
				Change:     store.ChangeRemoved,
				OldVersion: wf.Version,
				OldDigest:  wf.Digest,
			})
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		return entries[i].Workflow < entries[j].Workflow
	})
	return entries
}

func changedEntry(before, after store.WorkflowRecord) store.DiffEntry {
	entry := store.DiffEntry{
		Workflow:   after.Name,
		Change:     store.ChangeChanged,
		OldVersion: before.Version,
		NewVersion: after.Version,
		OldDigest:  before.Digest,
		NewDigest:  after.Digest,
	}
	if before.Digest != after.Digest && before.Version == after.Version {
		entry.Warning = WarningVersionUnchanged
	}
	return entry
}

// countChanges returns the number of added, changed and removed entries.
func countChanges(diff []store.DiffEntry) (added, changed, removed int) {
	for _, entry := range diff {
		switch entry.Change {
		case store.ChangeAdded:
			added++
		case store.ChangeChanged:
			changed++
		case store.ChangeRemoved:
			removed++
		}
	}
	return added, changed, removed
}
