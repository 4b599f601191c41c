CREATE TABLE t665 (id bigint PRIMARY KEY, name text NOT NULL);
