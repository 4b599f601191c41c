CREATE TABLE t222 (id bigint PRIMARY KEY, name text NOT NULL);
