package gormstore

import (
	"context"

	"gorm.io/gorm/logger"
)

// hiddenParams wraps the application's gorm logger for this store's
// statements: the SQL it logs (slow or failing queries) keeps its "?"
// placeholders, because the parameters are session IDs, which are
// credentials, and session data.
type hiddenParams struct{ logger.Interface }

// ParamsFilter implements gorm.ParamsFilter: no parameter is logged.
func (hiddenParams) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// LogMode keeps the wrapper when gorm changes the level.
func (h hiddenParams) LogMode(level logger.LogLevel) logger.Interface {
	return hiddenParams{h.Interface.LogMode(level)}
}

// hideParams wraps l, or returns nil (gorm's default) when there is none.
func hideParams(l logger.Interface) logger.Interface {
	if l == nil {
		return nil
	}
	return hiddenParams{l}
}
