CREATE TABLE t867 (id bigint PRIMARY KEY, name text NOT NULL);
