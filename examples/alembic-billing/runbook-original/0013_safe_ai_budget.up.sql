-- The runbook's 0013, as written.  Do not apply.
CREATE TABLE IF NOT EXISTS ai_budgets (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    daily_token_limit INTEGER NOT NULL DEFAULT 100000,
    daily_cost_limit_gbp FLOAT NOT NULL DEFAULT 50.0,
    current_date DATE NOT NULL DEFAULT CURRENT_DATE,
    tokens_used_today INTEGER NOT NULL DEFAULT 0,
    cost_gbp_today FLOAT NOT NULL DEFAULT 0.0,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP NOT NULL DEFAULT NOW(),
    PRIMARY KEY (id),
    FOREIGN KEY(org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
