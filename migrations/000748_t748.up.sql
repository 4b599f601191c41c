CREATE TABLE t748 (id bigint PRIMARY KEY, name text NOT NULL);
