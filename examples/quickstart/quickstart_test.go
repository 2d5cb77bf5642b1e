package quickstart

import (
	"os"
	"regexp"
	"testing"
)

// The README shows each program right after a line naming its file.
var readmeBlock = regexp.MustCompile("(?s)<!-- file: (examples/quickstart/[^ ]+) -->\n```go\n(.*?)```\n")

func TestReadmeShowsTheFiles(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlock.FindAllStringSubmatch(string(readme), -1)
	want := map[string]bool{
		"examples/quickstart/gin-redis/main.go":     true,
		"examples/quickstart/echo5-memory/main.go":  true,
		"examples/quickstart/nethttp-files/main.go": true,
	}
	for _, b := range blocks {
		path, shown := b[1], b[2]
		delete(want, path)
		file, err := os.ReadFile("../../" + path)
		if err != nil {
			t.Errorf("the README shows %s: %v", path, err)
			continue
		}
		if shown != string(file) {
			t.Errorf("the README's copy of %s differs from the file; paste the file into the README again", path)
		}
	}
	for path := range want {
		t.Errorf("the README does not show %s (a line %q must come right before its go block)", path, "<!-- file: "+path+" -->")
	}
}
