CREATE TABLE t741 (id bigint PRIMARY KEY, name text NOT NULL);
