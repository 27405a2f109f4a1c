package expr

import (
	"testing"
)

func TestRewriteExpr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		src         string
		inCondition bool
		want        string
	}{
		{"word operators", "a and b or not c", false, "a && b || ! c"},
		{"words inside identifiers", "android or notify", false, "android || notify"},
		{"field named and", "x.and or x.not", false, "x.and || x.not"},
		{"single quoted string", "a == 'x and y'", false, "a == 'x and y'"},
		{"escaped quote", `a == 'it\'s or not'`, false, `a == 'it\'s or not'`},
		{"raw string", `a == r'\' or b`, false, `a == r'\' || b`},
		{"triple quoted", "a == '''x ' and ''' and b", false, "a == '''x ' and ''' && b"},
		{"comment", "a and b // c and d\nor e", false, "a && b // c and d\n|| e"},
		{"logical or kept", "a || b", false, "a || b"},
		{"filter with call", "a | default('x')", false, "a .default('x')"},
		{"filter without call", "a | upper", false, "a .upper()"},
		{"chained filters", "a|default('x')|upper", false, "a.default('x').upper()"},
		{"template in condition", "{{ a.b }} == 'x'", true, "( a.b ) == 'x'"},
		{"template with map", "{{ {'k': {'v': 1}} }}.k.v == 1", true, "( {'k': {'v': 1}} ).k.v == 1"},
		{"template braces in string", "{{ '}}' }} == '}}'", true, "( '}}' ) == '}}'"},
		{"template in string untouched", "a == '{{ b }}'", true, "a == '{{ b }}'"},
		{"braces outside condition", "{'a': {'b': 1}}", false, "{'a': {'b': 1}}"},
		{"number with letters", "1e3 and 0x1F", false, "1e3 && 0x1F"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := []rune(tc.src)
			got, err := rewriteExpr(src, 0, len(src), tc.inCondition)
			if err != nil {
				t.Fatalf("rewriteExpr(%q): %v", tc.src, err)
			}
			if got.text != tc.want {
				t.Errorf("rewriteExpr(%q) = %q, want %q", tc.src, got.text, tc.want)
			}
			if len(got.offsets) != len([]rune(got.text))+1 {
				t.Errorf("offsets has %d entries for %d runes", len(got.offsets), len([]rune(got.text)))
			}
		})
	}
}

func TestRewriteOffsetsPointIntoSource(t *testing.T) {
	t.Parallel()
	src := []rune("not a | upper")
	got, err := rewriteExpr(src, 0, len(src), false)
	if err != nil {
		t.Fatal(err)
	}
	// "! a .upper()": '!' maps to "not", '.' to '|', "()" to the filter name.
	want := []int{0, 3, 4, 5, 6, 8, 9, 10, 11, 12, 8, 8, 13}
	if len(got.offsets) != len(want) {
		t.Fatalf("offsets = %v, want %v", got.offsets, want)
	}
	for i := range want {
		if got.offsets[i] != want[i] {
			t.Errorf("offsets[%d] = %d, want %d (text %q)", i, got.offsets[i], want[i], got.text)
		}
	}
}
