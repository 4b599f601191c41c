CREATE TABLE t135 (id bigint PRIMARY KEY, name text NOT NULL);
