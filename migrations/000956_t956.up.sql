CREATE TABLE t956 (id bigint PRIMARY KEY, name text NOT NULL);
