CREATE TABLE t658 (id bigint PRIMARY KEY, name text NOT NULL);
