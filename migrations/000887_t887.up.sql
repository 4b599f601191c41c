CREATE TABLE t887 (id bigint PRIMARY KEY, name text NOT NULL);
