CREATE TABLE t481 (id bigint PRIMARY KEY, name text NOT NULL);
