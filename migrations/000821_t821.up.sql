CREATE TABLE t821 (id bigint PRIMARY KEY, name text NOT NULL);
