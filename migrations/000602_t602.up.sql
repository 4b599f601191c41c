CREATE TABLE t602 (id bigint PRIMARY KEY, name text NOT NULL);
