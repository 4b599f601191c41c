CREATE TABLE t723 (id bigint PRIMARY KEY, name text NOT NULL);
