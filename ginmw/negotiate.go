package ginmw

import "strings"

// Negotiate picks the offer an Accept header prefers (RFC 9110 §12.5.1) and returns its
// index in offers: the offer with the highest quality, the most specific matching range
// deciding each offer's quality, and the order of offers breaking ties. Malformed members
// are ignored; an empty header, or one with nothing acceptable, yields 0, so list the
// default first. It does not allocate.
//
//	switch ginmw.Negotiate(c.GetHeader("Accept"), []string{"text/html", "application/json"}) {
//	case 1: // JSON
//	default: // HTML
//	}
func Negotiate(accept string, offers []string) int {
	if accept == "" || len(offers) == 0 {
		return 0
	}
	const maxOffers = 16
	if len(offers) > maxOffers {
		offers = offers[:maxOffers]
	}
	var q [maxOffers]int // quality in thousandths; -1 = no range matched yet
	var spec [maxOffers]int
	for i := range offers {
		q[i], spec[i] = -1, -1
	}
	for rest := accept; rest != ""; {
		var member string
		member, rest, _ = strings.Cut(rest, ",")
		mediaRange, params, _ := strings.Cut(member, ";")
		mediaRange = strings.TrimSpace(mediaRange)
		typ, sub, ok := strings.Cut(mediaRange, "/")
		if !ok || typ == "" || sub == "" {
			continue
		}
		quality, ok := parseQuality(params)
		if !ok {
			continue
		}
		for i, o := range offers {
			ot, os, _ := strings.Cut(o, "/")
			var s int
			switch {
			case strings.EqualFold(typ, ot) && strings.EqualFold(sub, os):
				s = 2
			case strings.EqualFold(typ, ot) && sub == "*":
				s = 1
			case typ == "*" && sub == "*":
				s = 0
			default:
				continue
			}
			if s > spec[i] {
				spec[i], q[i] = s, quality
			}
		}
	}
	best, bestQ := 0, 0
	for i := range offers {
		if q[i] > bestQ {
			best, bestQ = i, q[i]
		}
	}
	return best
}

// parseQuality reads the q parameter of an Accept member, in thousandths; absent means
// 1000. ok is false for a malformed value.
func parseQuality(params string) (int, bool) {
	for rest := params; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, ";")
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
		if value == "" || len(value) > 5 || (value[0] != '0' && value[0] != '1') {
			return 0, false
		}
		n := int(value[0]-'0') * 1000
		if len(value) > 1 {
			if value[1] != '.' {
				return 0, false
			}
			scale := 100
			for i := 2; i < len(value); i++ {
				c := value[i]
				if c < '0' || c > '9' {
					return 0, false
				}
				n += int(c-'0') * scale
				scale /= 10
			}
		}
		if n > 1000 {
			return 0, false
		}
		return n, true
	}
	return 1000, true
}
