CREATE TABLE t567 (id bigint PRIMARY KEY, name text NOT NULL);
