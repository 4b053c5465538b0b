# Where two statistics objects ($e expected, $a actual) differ: "path: expected X, got Y" for the first five
# differences, joined by "; ". Empty output: identical. Objects are compared key by key, anything else whole,
# except a collection's nearest neighbours: Chroma's index (HNSW) is approximate and a server that loads the
# same files may rebuild it with near-ties in another order, so there the probe must still be its own nearest
# neighbour and at most one of the others may differ. The content itself is compared exactly (count, digest
# of every id, the probe's embedding).
def flat($prefix):
  if type == "object" then
    [to_entries[] | . as $entry | $entry.value | flat($prefix + [$entry.key])] | add // {}
  else
    {($prefix | join(" ")): .}
  end;

def same($k; $p; $q):
  if ($k | endswith(" neighbours")) and ($p | type) == "array" and ($q | type) == "array" then
    ($p | length) == ($q | length) and $p[0:1] == $q[0:1] and (($p - ($p - $q)) | length) >= ($p | length) - 1
  else
    $p == $q
  end;

($e | flat([])) as $x
| ($a | flat([])) as $y
| [($x + $y) | keys[] | select(same(.; $x[.]; $y[.]) | not) as $k | "\($k): expected \($x[$k] | tojson), got \($y[$k] | tojson)"]
| .[0:5]
| join("; ")
