# Where two statistics objects ($e expected, $a actual) differ: "path: expected X, got Y" for the first five
# differences, joined by "; ". Empty output: identical. Objects are compared key by key, anything else whole.
def flat($prefix):
  if type == "object" then
    [to_entries[] | . as $entry | $entry.value | flat($prefix + [$entry.key])] | add // {}
  else
    {($prefix | join(" ")): .}
  end;

($e | flat([])) as $x
| ($a | flat([])) as $y
| [($x + $y) | keys[] | select($x[.] != $y[.]) as $k | "\($k): expected \($x[$k] | tojson), got \($y[$k] | tojson)"]
| .[0:5]
| join("; ")
