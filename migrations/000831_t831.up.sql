CREATE TABLE t831 (id bigint PRIMARY KEY, name text NOT NULL);
