CREATE TABLE t290 (id bigint PRIMARY KEY, name text NOT NULL);
