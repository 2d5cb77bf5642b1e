package benchmarks

import (
	"net/http"
	"testing"

	gsessions "github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
)

// echo-contrib/session (gorilla/sessions underneath), as its README sets it
// up: session.Middleware(store), session.Get(name, c), and sess.Save after
// every change. gorilla's FilesystemStore is its only server-side store
// in gorilla itself; the CookieStore row is a reference point (the data
// travels in the cookie, so there is no store to ask).

var (
	echoContribFS     = target{lib: "echocontrib", fw: "echo", store: "fs", open: echoContribOpenFS}
	echoContribCookie = target{
		lib: "echocontrib", fw: "echo", store: "cookie", open: echoContribOpenCookie,
		cannot: map[string]string{
			"large": "a 4 KB session does not fit in a cookie: browsers cap a cookie at 4096 bytes, and securecookie refuses it",
		},
	}
)

// echoContribOpenFS keeps sessions in a temporary folder. gorilla's
// 4096-byte limit on encoded sessions is lifted (MaxLength(0), the fix its
// docs give), otherwise the large scenario fails.
func echoContribOpenFS(tb testing.TB, _ string) instance {
	store := gsessions.NewFilesystemStore(tb.TempDir(), secretKey)
	store.MaxLength(0)
	return instance{h: echoContribHandler(store)}
}

func echoContribOpenCookie(tb testing.TB, _ string) instance {
	return instance{h: echoContribHandler(gsessions.NewCookieStore(secretKey))}
}

func echoContribHandler(store gsessions.Store) http.Handler {
	e := echo.New()
	e.Use(session.Middleware(store))
	e.GET("/untouched", func(c echo.Context) error { return c.Blob(http.StatusOK, textPlain, okBody) })
	e.GET("/read", func(c echo.Context) error {
		s, err := session.Get(cookieName, c)
		if err != nil {
			return err
		}
		n, _ := s.Values["user_id"].(int)
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	rmw := func(large bool) echo.HandlerFunc {
		return func(c echo.Context) error {
			s, err := session.Get(cookieName, c)
			if err != nil {
				return err
			}
			if large {
				if v, _ := s.Values[lastLargeKey].(string); v != largeValue {
					return c.NoContent(http.StatusInternalServerError)
				}
			}
			n, _ := s.Values["n"].(int)
			n++
			s.Values["n"] = n
			if err := s.Save(c.Request(), c.Response()); err != nil {
				return err
			}
			var buf [20]byte
			return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], n))
		}
	}
	e.GET("/rmw", rmw(false))
	e.GET("/large", rmw(true))
	e.GET("/create", func(c echo.Context) error {
		s, err := session.Get(cookieName, c)
		if err != nil {
			return err
		}
		s.Values["user_id"] = 42
		if err := s.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	seed := func(large bool) echo.HandlerFunc {
		return func(c echo.Context) error {
			s, err := session.Get(cookieName, c)
			if err != nil {
				return err
			}
			s.Values["user_id"] = 42
			s.Values["n"] = 0
			if large {
				for i := range largeKeys {
					s.Values[largeKey(i)] = largeValue
				}
			}
			if err := s.Save(c.Request(), c.Response()); err != nil {
				return err
			}
			return c.Blob(http.StatusOK, textPlain, okBody)
		}
	}
	e.GET("/seed", seed(false))
	e.GET("/seedlarge", seed(true))
	return e
}
